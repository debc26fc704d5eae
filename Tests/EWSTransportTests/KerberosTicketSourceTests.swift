import EWSTransport
import Foundation
import Testing

/// When the run's ticket-granting ticket is renewed: the token source's margin rule, applied to the
/// KDC's start and end times. (Renewals against a real KDC: EndToEndTests.KerberosRenewalTests.)
@Suite("Kerberos ticket renewal: when a ticket is due")
struct KerberosTicketSourceTests {
    static func times(_ lifetime: TimeInterval) -> KerberosTicketCache.TicketTimes {
        let start = Date(timeIntervalSince1970: 2_000_000)
        return .init(start: start, end: start.addingTimeInterval(lifetime))
    }

    @Test("a 10-hour ticket is renewed 60 s before its end, a 3 s ticket after 1.5 s, a 30 s ticket 5 s early")
    func margins() {
        let long = Self.times(36_000)
        #expect(!KerberosTicketSource.isDue(long, at: long.end.addingTimeInterval(-60.1)))
        #expect(KerberosTicketSource.isDue(long, at: long.end.addingTimeInterval(-60)))
        let short = Self.times(3)
        #expect(!KerberosTicketSource.isDue(short, at: short.start.addingTimeInterval(1.4)))
        #expect(KerberosTicketSource.isDue(short, at: short.start.addingTimeInterval(1.5)))
        let half = Self.times(30)
        #expect(!KerberosTicketSource.isDue(half, at: half.end.addingTimeInterval(-5.1)))
        #expect(KerberosTicketSource.isDue(half, at: half.end.addingTimeInterval(-5)))
        #expect(KerberosTicketSource.isDue(half, at: half.end.addingTimeInterval(1)), "an expired ticket is due")
    }
}
