"""Mozilla's intermediate TLS profile (guideline 5.7, as sslyze checks it) on every port a person
logs in on, on each server of the scenario (Debian 12 and 13): submission (587) and IMAP and POP3
after STARTTLS (143, 110), IMAPS (993), POP3S (995) and the webmail (443). Port 25 stays
opportunistic for other mail servers: it offers STARTTLS, but never SSLv2 or SSLv3.

sslyze runs on the controller (its Python API, from the venv) against the container's address,
with the names clients use and the lab CA as its trust store. By hand, for one port:
python -m sslyze --mozilla_config=intermediate --certinfo_ca_file=LAB_CA --starttls=smtp 'mail.nida.com:587{ADDRESS}'"""

import os

import pytest
import testinfra.utils.ansible_runner
from sslyze import (
    CertificateInfoExtraArgument,
    ProtocolWithOpportunisticTlsEnum,
    ScanCommand,
    ScanCommandsExtraArguments,
    Scanner,
    ServerConnectivityStatusEnum,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanRequest,
)
from sslyze.mozilla_tls_profile.tls_config_checker import (
    SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER,
    MozillaTlsConfiguration,
    ServerNotCompliantWithTlsConfiguration,
    TlsConfigurationEnum,
    check_server_against_tls_configuration,
)

from mailtests import lab_ca_file

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
# In this scenario every server is mail and webmail server at once.
testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("mail_servers")

SMTP, IMAP, POP3 = ProtocolWithOpportunisticTlsEnum.SMTP, ProtocolWithOpportunisticTlsEnum.IMAP, ProtocolWithOpportunisticTlsEnum.POP3
# Port -> (STARTTLS protocol or None, the lab name clients use there).
LOGIN_PORTS = {587: (SMTP, "hostname"), 143: (IMAP, "hostname"), 110: (POP3, "hostname"),
               993: (None, "hostname"), 995: (None, "hostname"), 443: (None, "webmail")}
PORT_25_COMMANDS = {ScanCommand.SSL_2_0_CIPHER_SUITES, ScanCommand.SSL_3_0_CIPHER_SUITES, ScanCommand.TLS_1_2_CIPHER_SUITES}
INTERMEDIATE = MozillaTlsConfiguration.get(TlsConfigurationEnum.MOZILLA_INTERMEDIATE)
# Seconds for a connection and its TLS handshake. sslyze's 5 are too few on the 2-core test machine
# under load: Dovecot starts a login process for each of the scan's parallel handshakes (measured:
# about one scan in two timed out on 993 or 995). What is tested is the profile, not the speed.
NETWORK_TIMEOUT = 30


def scan_requests(address, names, ca_file):
    """One sslyze request per port: the profile's scan commands on the login ports, the protocol
    versions on port 25."""
    profile = ScanCommandsExtraArguments(certificate_info=CertificateInfoExtraArgument(custom_ca_file=ca_file))
    requests = {}
    for port, (starttls, name) in {**LOGIN_PORTS, 25: (SMTP, "hostname")}.items():
        requests[port] = ServerScanRequest(
            server_location=ServerNetworkLocation(hostname=names[name], port=port, ip_address=address),
            network_configuration=ServerNetworkConfiguration(tls_server_name_indication=names[name], tls_opportunistic_encryption=starttls,
                                                             network_timeout=NETWORK_TIMEOUT),
            scan_commands=PORT_25_COMMANDS if port == 25 else SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER,
            scan_commands_extra_arguments=ScanCommandsExtraArguments() if port == 25 else profile,
        )
    return requests


@pytest.fixture(scope="module")
def scans(host, lab):
    """This server's ports scanned at once (sslyze runs the scans in parallel): port -> ServerScanResult."""
    requests = scan_requests(host.interface("eth0").addresses[0], lab, lab_ca_file(INVENTORY))
    ports = {request.uuid: port for port, request in requests.items()}
    scanner = Scanner()
    scanner.queue_scans(list(requests.values()))
    return {ports[result.uuid]: result for result in scanner.get_results()}


def connected(result):
    """The scan's result, after checking that sslyze reached the port and completed its TLS handshake."""
    assert result.connectivity_status == ServerConnectivityStatusEnum.COMPLETED, result.connectivity_error_trace
    return result


@pytest.mark.parametrize("port", sorted(LOGIN_PORTS))
def test_login_port_meets_mozilla_intermediate(scans, port):
    """TLS 1.2 and 1.3 only, the profile's cipher suites and curves, no known TLS weakness, and a
    certificate valid at most 366 days, with an RSA key of 2048 bits or more, that the lab CA issued
    for the name the client asked for (sslyze validates the chain for the SNI name)."""
    try:
        check_server_against_tls_configuration(connected(scans[port]), INTERMEDIATE)
    except ServerNotCompliantWithTlsConfiguration as error:
        pytest.fail("port %d does not meet Mozilla's intermediate profile: %s" % (port, error.issues))


def test_port_25_opportunistic_without_ssl(scans):
    """Port 25 offers STARTTLS (sslyze completes a handshake there) with TLS 1.2, but refuses SSLv2 and SSLv3."""
    result = connected(scans[25]).scan_result
    assert result.tls_1_2_cipher_suites.result.is_tls_version_supported
    assert not result.ssl_2_0_cipher_suites.result.is_tls_version_supported
    assert not result.ssl_3_0_cipher_suites.result.is_tls_version_supported
