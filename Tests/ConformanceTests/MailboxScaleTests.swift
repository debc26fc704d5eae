@testable import Conformance
import EWSTestSupport
import Foundation
import Testing

private func parseError(_ text: String) -> String? {
    do {
        _ = try MailboxList.parse(text)
        return nil
    } catch {
        return error.message
    }
}

@Suite("Mailboxes at scale: mailboxes_file, --mailbox-limit, --sample, --shard")
struct MailboxScaleTests {
    @Test func aPlainFileHasOneAddressALineCommentsAndBlankLinesIgnored() throws {
        let list = try MailboxList.parse("# tenant\n\nAlice@Contoso.com\r\nbob@contoso.com\n  \n")
        #expect(list.entries.map(\.address) == ["alice@contoso.com", "bob@contoso.com"])
        #expect(list.entries.map(\.line) == [3, 4])
    }

    @Test func aCSVFileNamesItsColumnsInAnyOrderAndQuotesFields() throws {
        let list = try MailboxList.parse("""
            sid,address,tags,upn
            S-1-5-21-1-2-3-1101,alice@contoso.com,"eu;pilot",alice@corp.contoso.com
            ,bob@contoso.com,,
            "S-1-5-21-1-2-3-1103", "carol@contoso.com" ,vip,
            """)
        #expect(list.entries.map(\.address) == ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"])
        #expect(list.entries[0].sid == "S-1-5-21-1-2-3-1101" && list.entries[0].upn == "alice@corp.contoso.com")
        #expect(list.entries[0].tags == ["eu", "pilot"])
        #expect(list.entries[1].sid == nil && list.entries[1].upn == nil && list.entries[1].tags.isEmpty)
        #expect(list.entries[2].tags == ["vip"] && list.entries[2].line == 4)
    }

    @Test(arguments: [
        ("alice@contoso.com\nbob@contoso.com\nALICE@contoso.com\n", "line 3 repeats alice@contoso.com (first on line 1)"),
        ("alice@contoso.com\n\nbob at contoso.com\n", "line 3 has more than an address"),
        ("alice@contoso.com\nbob@@contoso.com\n", "line 2: 'bob@@contoso.com' is not an SMTP address"),
        ("alice@contoso.com\nbob@contoso..com\n", "line 2: 'bob@contoso..com' is not an SMTP address"),
        ("address,upn\nalice@contoso.com,alice@contoso.com\nbob@contoso.com\n", "line 3 has 1 field; the header names 2"),
        ("address,sid\nalice@contoso.com,S-1-5-x\n", "line 2: sid 'S-1-5-x' is not a security identifier"),
        ("address,upn\nalice@contoso.com,alice\n", "line 2: upn 'alice' is not a user principal name"),
        ("address,mail\nalice@contoso.com,x\n", "line 1: unknown column 'mail'"),
        ("upn,sid\nalice@contoso.com,S-1-5-21-1\n", "line 1: the header names no 'address' column"),
        ("# only a comment\n\n", "it lists no mailbox"),
        ("alice\nbob@contoso.com\n", "line 1: 'alice' is neither an SMTP address nor a CSV header"),
        ("address,tags\n\"alice@contoso.com,x\n", "line 2 has an unterminated quoted field"),
        ("address,tags\n\"alice@contoso.com\"x,y\n", "line 2 has text after a quoted field"),
        ("address\nalice@contoso.com\n\n# x\nbob@contoso.com\nAlice@Contoso.COM\n", "line 6 repeats alice@contoso.com (first on line 2)"),
    ])
    func aMalformedOrRepeatedLineIsRefusedWithItsLineNumber(text: String, message: String) {
        let error = parseError(text)
        #expect(error?.contains(message) == true, "\(String(describing: error))")
    }

    @Test func aTargetReadsMailboxesFileRelativeToItself() throws {
        let dir = try Fixtures.temporaryDirectory("mbx-file")
        try FileManager.default.createDirectory(atPath: dir + "/lists", withIntermediateDirectories: true)
        try "address,upn,sid,tags\nalice@contoso.com,alice@contoso.com,S-1-5-21-1-2-3-1101,eu\nbob@contoso.com,,,us\n"
            .write(toFile: dir + "/lists/tenant.csv", atomically: true, encoding: .utf8)
        try """
            ews_url: https://mail.contoso.com/EWS/Exchange.asmx
            service_account: {username: svc@contoso.com, password_env: EWS_PW}
            mailboxes_file: lists/tenant.csv
            """.write(toFile: dir + "/t.yaml", atomically: true, encoding: .utf8)
        let target = try TargetConfiguration.load(path: dir + "/t.yaml")
        #expect(target.mailboxes == ["alice@contoso.com", "bob@contoso.com"])
        #expect(target.mailboxEntries.first?.sid == "S-1-5-21-1-2-3-1101")
        #expect(target.mailboxTags["bob@contoso.com"] == ["us"])
    }

    @Test func aBadMailboxesFileIsATargetFileErrorNamingTheFileAndLine() throws {
        let dir = try Fixtures.temporaryDirectory("mbx-file-bad")
        try "alice@contoso.com\nbob@contoso.com\nalice@contoso.com\n".write(toFile: dir + "/m.txt", atomically: true, encoding: .utf8)
        let yaml = """
            ews_url: https://mail.contoso.com/EWS/Exchange.asmx
            service_account: {username: svc@contoso.com, password_env: EWS_PW}
            mailboxes_file: m.txt
            """
        #expect(throws: TargetFileError.self) { try TargetConfiguration.parse(yaml: yaml, baseDirectory: dir) }
        do {
            _ = try TargetConfiguration.parse(yaml: yaml, baseDirectory: dir)
        } catch {
            #expect(error.message.contains("mailboxes_file \(dir)/m.txt: line 3 repeats alice@contoso.com"), "\(error.message)")
        }
        do {
            _ = try TargetConfiguration.parse(yaml: yaml.replacingOccurrences(of: "m.txt", with: "missing.txt"), baseDirectory: dir)
            Issue.record("a missing file is refused")
        } catch {
            #expect(error.message.contains("missing.txt does not exist"), "\(error.message)")
        }
        do {
            _ = try TargetConfiguration.parse(yaml: yaml + "\nmailboxes: [alice@contoso.com]\n", baseDirectory: dir)
            Issue.record("both keys are refused")
        } catch {
            #expect(error.message.contains("mailboxes and mailboxes_file (line 3) are both set"), "\(error.message)")
        }
    }

    static let tenant = (1...200).map { "user\($0)@contoso.com" }

    @Test func aSampleDependsOnTheSeedAndTheSetNotTheOrder() {
        let a = MailboxSample.sample(Self.tenant, count: 20, seed: 7)
        #expect(a.count == 20)
        #expect(a == Self.tenant.filter(Set(a).contains), "kept in file order")
        #expect(MailboxSample.sample(Self.tenant, count: 20, seed: 7) == a, "the same seed picks the same mailboxes")
        #expect(Set(MailboxSample.sample(Self.tenant.reversed(), count: 20, seed: 7)) == Set(a), "whatever their order")
        #expect(Set(MailboxSample.sample(Self.tenant, count: 20, seed: 8)) != Set(a), "another seed picks others")
        #expect(MailboxSample.sample(Self.tenant, count: 500, seed: 1) == Self.tenant)
        #expect(MailboxSample.limit(Self.tenant, to: 3) == Array(Self.tenant.prefix(3)))
    }

    @Test func shardsPartitionTheMailboxesStablyUnderReordering() throws {
        let shards = (1...4).compactMap { ShardSelection(index: $0, count: 4) }
        let parts = shards.map { $0.select(Self.tenant) }
        #expect(parts.reduce(0) { $0 + $1.count } == Self.tenant.count, "every mailbox in exactly one shard")
        #expect(Set(parts.flatMap { $0 }) == Set(Self.tenant))
        #expect(parts.allSatisfy { $0.count > 20 }, "a fair spread: \(parts.map(\.count))")
        var shuffled = Self.tenant
        shuffled.shuffle()
        for (shard, part) in zip(shards, parts) {
            #expect(Set(shard.select(shuffled.map { $0.uppercased() }).map { $0.lowercased() }) == Set(part))
        }
        // Shard 1 is never empty, even with fewer mailboxes than shards.
        #expect(try #require(ShardSelection(index: 1, count: 8)).select(["only@contoso.com"]) == ["only@contoso.com"])
        // Pinned: the partition must not change between versions, machines or Swift releases.
        #expect(ShardSelection.stableHash("alice@contoso.com") == 0x8453_dca0_714d_65c6)
        #expect(ShardSelection.stableHash("Alice@Contoso.com") == ShardSelection.stableHash("alice@contoso.com"))
    }

    @Test func shardSyntax() {
        #expect(ShardSelection(parsing: "2/4") == ShardSelection(index: 2, count: 4))
        for bad in ["0/4", "5/4", "2", "a/b", "2/0", "-1/3", "1/2/3"] { #expect(ShardSelection(parsing: bad) == nil, "\(bad)") }
    }

    @Test func laterShardsKeepOnlyTheRunWideChecksPerMailboxChecksNeed() throws {
        #expect(try #require(ShardSelection(index: 1, count: 3)).runWideChecksLeftToFirstShard().isEmpty)
        let left = try #require(ShardSelection(index: 2, count: 3)).runWideChecksLeftToFirstShard()
        for kept in ["ews.endpoint.reachable", "auth.service-account", "suite.cleanup.complete"] {
            #expect(left[CheckID(kept)] == nil, "\(kept) runs in every shard")
        }
        for moved in ["impersonation.out-of-scope.denied", "auth.must-fail.wrong-password", "ews.server-version"] {
            #expect(left[CheckID(moved)]?.contains("run-wide checks run in shard 1") == true, "\(moved) runs in shard 1 only")
        }
        #expect(!CheckRegistry.definitions.contains { $0.perMailbox && left[$0.id] != nil })
    }
}
