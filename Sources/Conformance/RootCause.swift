import EWSTransport
import Foundation

/// Why a run could not test the provider: a failure before the provider gave any EWS answer
/// (name resolution, connection, time limit, TLS trust, the CA file, a 404 or an HTML page on the
/// EWS path). It is not a verdict on the provider's conformance: the run says "could not test",
/// exits 2, and the checks that need an EWS answer are listed once under this cause.
package struct RootCause: Sendable, Codable, Hashable {
    /// The kind of failure, stable for scripts.
    package enum Kind: String, Sendable, Codable, Hashable {
        case nameResolution = "name-resolution"
        case connection
        case timeout
        case tls
        case caFile = "ca-file"
        case proxy
        case notFound = "not-found"
        case redirect
        case htmlPage = "html-page"
        case gateway
        case notEWS = "not-ews"
        case transport
        case overallTimeout = "overall-timeout"
        /// The run's `--deadline` passed before every check had started.
        case deadline
        /// Autodiscover found no EWS URL.
        case discovery
    }

    /// The verdict this cause stands for, as every report writes it.
    package static let verdict = "could not test"

    /// The kind of failure.
    package var kind: Kind
    /// One line: what went wrong, where.
    package var summary: String
    /// What to do about it.
    package var remedy: String
    /// For TLS failures: the certificate the server presented and what is wrong with it.
    package var certificate: PeerCertificate?
    /// Whether this is also a finding against the provider (an untrusted, expired or misnamed
    /// certificate), recorded as a failed check, rather than only something the harness could not get past.
    package var providerFinding: Bool
    /// The evidence (exchange ids in the report) that shows the failure.
    package var evidence: [Int]
    /// The checks not run because of this cause.
    package var notRun: [CheckID]

    /// Creates a root cause.
    package init(kind: Kind, summary: String, remedy: String, certificate: PeerCertificate? = nil, providerFinding: Bool = false,
                evidence: [Int] = [], notRun: [CheckID] = []) {
        self.kind = kind
        self.summary = summary
        self.remedy = remedy
        self.certificate = certificate
        self.providerFinding = providerFinding
        self.evidence = evidence
        self.notRun = notRun
    }

    /// `could not test: <summary>`: the one root-cause line.
    package var line: String { "\(Self.verdict): \(summary)" }
}
