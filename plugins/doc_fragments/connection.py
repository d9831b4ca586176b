# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Shared by the modules and the lookup. PLUGINS adds the lookup's ini/vars/env sources.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the platform's XML interface; the plugins POST to C(<api_url>/balance.php).
      - White-label hosts of the same engine work too, for example V(https://my3.webcom.mobi/xml).
      - The platform documents only plain V(http://); with it, credentials cross the network
        unencrypted and the task warns. Prefer V(https://) where your host serves it.
      - Must not contain credentials, a query or a fragment.
    type: str
    default: http://lk.mysmpp.ru/xml
  login:
    description:
      - Account login. Give O(login) together with O(password), or O(token) instead of both.
      - Credentials come as a set from the highest place that gives any of them (see the notes);
        a token in the task never combines with a login from the environment, and a login is never
        paired with a password from another place.
    type: str
  password:
    description:
      - Account password, used with O(login). It is a secret and never appears in results, messages or logs.
    type: str
  token:
    description:
      - Secret key issued by your account manager, used instead of O(login) and O(password).
        Giving both kinds of credentials, or neither, is an error and nothing is sent.
      - It is a secret and never appears in results, messages or logs.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate for V(https://) URLs. Set V(false) only for tests.
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle (PEM file) to verify the server's certificate with, for hosts signed by a private CA.
      - When not set, E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) from the controller's environment,
        else the bundle that comes with the Python library C(requests).
    type: path
  proxy:
    description:
      - Proxy URL for the request, for example V(http://proxy.example:3128).
      - When not set, the controller's E(https_proxy), E(http_proxy) and E(no_proxy) apply (the
        plugins run on the controller, so a task's C(environment) does not reach them).
    type: str
  timeout:
    description:
      - Seconds to wait for the platform to connect and to answer, per try.
    type: float
    default: 10
  retries:
    description:
      - How many times to try again after a transient failure, with exponential backoff. Transient
        failures are connection errors, timeouts, and HTTP 429, 502, 503 and 504 (a C(Retry-After)
        header is honoured, up to 60 seconds). An authentication or format error is never retried.
    type: int
    default: 3
  cache_ttl:
    description:
      - Reuse an answer fetched for the same endpoint (the balance), O(api_url), credentials and trust
        settings within this many seconds, across hosts and forks of one run and across runs; V(0) disables.
      - The trust settings are O(validate_certs), O(ca_path) and O(proxy) (or, when those two are not set,
        the variables used instead (E(REQUESTS_CA_BUNDLE), E(CURL_CA_BUNDLE), E(SSL_CERT_FILE), E(SSL_CERT_DIR)
        and the E(https_proxy)-style ones)), so a balance fetched with O(validate_certs=false) is never served
        to a task that validates certificates.
      - Stored under C($XDG_CACHE_HOME/webcom.mobi/) (default C(~/.cache/webcom.mobi/)), mode 0700, files 0600,
        without any secret. Entries and their lock files are named by a keyed hash of all of the above.
        Anything else found there (a FIFO, device, socket, symbolic link or foreign file) is a miss and
        never blocks; an answer too large to read back (over 1 MiB) is not stored.
      - Forks that miss at the same moment wait for one of them to fetch, so a play makes one request
        per account however many hosts it has. A fork waits no longer than a whole check may take
        (from O(timeout) and O(retries)), then asks the platform itself, with a warning.
      - Entries, lock files and leftovers untouched for a day, or for O(cache_ttl) if that is longer, are
        removed by a task that writes an entry (at most once an hour), so the directory does not grow
        without bound.
      - The platform's refusal (wrong credentials, locked account) is reused the same way, so a wrong
        password on many hosts costs one failed login. A cache that cannot be used is a warning, and the
        balance is fetched directly.
      - Set V(0) where a task must see money spent since the last check, such as right after sending.
    type: int
    default: 60
requirements:
  - The Python libraries C(requests) and C(xmlschema) on the Ansible controller. Managed nodes need nothing.
notes:
  - "Every option is read from the same places by every plugin of the collection, highest first: the
    task or lookup call (for modules including C(module_defaults)), variables C(webcom_mobi_<option>)
    (for example C(webcom_mobi_api_url), C(webcom_mobi_token)), the E(WEBCOM_API_URL), E(WEBCOM_LOGIN),
    E(WEBCOM_PASSWORD) and E(WEBCOM_TOKEN) environment variables, the C([webcom_mobi]) section of
    C(ansible.cfg), then the default. C(module_defaults) cannot reach a lookup, so variables
    C(webcom_mobi_*) are the one place that sets the connection for a whole play."
  - An unknown or misspelt option is an error that names the closest valid option, before anything is sent.
  - Runs on the Ansible controller only; proxies, CA bundles and E(WEBCOM_*) variables come from the
    controller's environment.
"""

    PLUGINS = r"""
options:
  api_url:
    env:
      - name: WEBCOM_API_URL
    ini:
      - section: webcom_mobi
        key: api_url
    vars:
      - name: webcom_mobi_api_url
  login:
    env:
      - name: WEBCOM_LOGIN
    ini:
      - section: webcom_mobi
        key: login
    vars:
      - name: webcom_mobi_login
  password:
    env:
      - name: WEBCOM_PASSWORD
    ini:
      - section: webcom_mobi
        key: password
    vars:
      - name: webcom_mobi_password
  token:
    env:
      - name: WEBCOM_TOKEN
    ini:
      - section: webcom_mobi
        key: token
    vars:
      - name: webcom_mobi_token
  validate_certs:
    ini:
      - section: webcom_mobi
        key: validate_certs
    vars:
      - name: webcom_mobi_validate_certs
  ca_path:
    ini:
      - section: webcom_mobi
        key: ca_path
    vars:
      - name: webcom_mobi_ca_path
  proxy:
    ini:
      - section: webcom_mobi
        key: proxy
    vars:
      - name: webcom_mobi_proxy
  timeout:
    ini:
      - section: webcom_mobi
        key: timeout
    vars:
      - name: webcom_mobi_timeout
  retries:
    ini:
      - section: webcom_mobi
        key: retries
    vars:
      - name: webcom_mobi_retries
  cache_ttl:
    ini:
      - section: webcom_mobi
        key: cache_ttl
    vars:
      - name: webcom_mobi_cache_ttl
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: Runs unchanged in check mode; it only reads.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  action:
    support: full
    description: Runs on the Ansible controller through an action plugin.
  async:
    support: none
    description: The check is quick and runs on the controller; async is not supported.
  platform:
    support: full
    platforms: all
    description: Runs on the controller whatever the target host is; nothing is needed on managed nodes.
  action_group:
    support: full
    membership:
      - webcom.mobi.api
    description: Use C(group/webcom.mobi.api) in C(module_defaults) to set the connection options once.
"""
