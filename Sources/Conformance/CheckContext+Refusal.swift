import EWSProtocol
import EWSTransport
import Foundation

/// Must-fail answers judged against the form Exchange refuses with: the ResponseCode, whether it
/// comes as a SOAP fault (HTTP 500) or a response message (HTTP 200), and where that form is known
/// from (ews-protocol.md §4). Shared by the impersonation refusals and the matrix's.
extension CheckContext {
    /// The Exchange form of a refusal: its ResponseCode, its transport, and where that form comes from.
    struct RefusalForm: Sendable {
        /// How Exchange carries the refusal.
        enum Transport: Sendable {
            /// A SOAP fault with the code in its detail, HTTP 500.
            case fault
            /// A response message with ResponseClass Error, HTTP 200.
            case responseMessage
            /// Either: Exchange has been seen answering both ways (ErrorNonExistentMailbox).
            case either
        }

        var code: String
        var form: Transport
        /// Where the form is known from; starts with "inferred" where no capture shows it.
        var evidence: String
        /// A bare HTTP status Exchange also refuses with, before any SOAP (Exchange Online's 403 for
        /// a mailbox an Application Access Policy keeps from the app); nil when there is none.
        var bareStatus: Int? = nil

        var isInferred: Bool { evidence.hasPrefix("inferred") }

        var text: String {
            let transport = switch form {
            case .fault: "an HTTP 500 SOAP fault"
            case .responseMessage: "an HTTP 200 response message"
            case .either: "an HTTP 500 SOAP fault or an HTTP 200 response message"
            }
            return "\(code) as \(transport)" + (bareStatus.map { ", or a bare HTTP \($0)" } ?? "")
        }

        /// Whether an answer's transport is this form's.
        func matches(fault: Bool, status: Int) -> Bool {
            switch form {
            case .fault: fault && status == 500
            case .responseMessage: !fault && status == 200
            case .either: fault ? status == 500 : status == 200
            }
        }
    }

    /// GetFolder(Inbox) impersonating by `sid` through `client`, judged against `expected`.
    func expectImpersonationRefusal(_ sid: ConnectingSID, through client: EWSClient, expected: RefusalForm, breach: String,
                                    facts: [String: String]) async -> Verdict {
        var facts = facts
        facts["connecting_sid"] = sid.elementName
        return await expectRefusal(client.perform(GetFolder(folders: [.inbox]), impersonating: sid), expected: expected, breach: breach, facts: facts)
    }

    /// A must-fail answer judged against `expected`: the code decides; a different transport is a
    /// failure where the form was observed, and only noted where it is inferred. The expected form
    /// and its source are always in the facts.
    func expectRefusal(_ call: EWSCall<FolderInfo>, expected: RefusalForm, breach: String, facts extra: [String: String]) async -> Verdict {
        await recorder.setServerVersion(call.serverVersion)
        var facts = Self.callFacts(call).merging(extra) { _, new in new }
        facts["expected_refusal"] = expected.text
        facts["expected_refusal_evidence"] = expected.evidence
        let got: String?
        let asFault: Bool
        var text = ""
        switch call.outcome {
        case .fault(let fault):
            guard let code = fault.responseCode else {
                return .failed("refused with a bare SOAP fault (faultcode \(fault.faultCode)): \"\(fault.faultString)\", not \(expected.code)", [call.exchange], facts: facts)
            }
            got = code
            asFault = true
            text = fault.faultString
        case .responses(let messages):
            guard let m = messages.first else { return .failed("answered with no response message, not \(expected.code)", [call.exchange], facts: facts) }
            if m.responseClass == .success { return .failed(breach, [call.exchange], facts: facts) }
            got = m.responseCode
            asFault = false
            text = m.messageText ?? ""
        case .httpError(let status, _):
            if let bare = expected.bareStatus, status == bare {
                return .passed("refused with a bare HTTP \(status) before any SOAP, one of the forms Exchange refuses with here (\(expected.text); the source is in the facts)",
                               [call.exchange], facts: facts)
            }
            return .failed("refused with HTTP \(status) instead of \(expected.text): \(call.summary)", [call.exchange], facts: facts)
        case .malformed:
            return .failed("answered with something that is not EWS: \(ResponseShape.describe(call))", [call.exchange], facts: facts)
        case .transportError(let e):
            return .errored("no answer: \(e)", [call.exchange])
        }
        guard let got, !got.isEmpty else { return .errored("the response had no response code", [call.exchange]) }
        guard got == expected.code else {
            return .failed("refused, but with \(got)\(text.isEmpty ? "" : " (\"\(text)\")") instead of \(expected.code)", [call.exchange], facts: facts)
        }
        let status = call.httpStatus ?? 0
        let how = "\(asFault ? "a SOAP fault" : "a response message"), HTTP \(status)"
        if !expected.matches(fault: asFault, status: status) {
            if !expected.isInferred {
                return .failed("refused with \(got), but as \(how) where Exchange answers \(expected.text)", [call.exchange], facts: facts)
            }
            facts["refusal_form_differs"] = "\(how); the expected form is inferred, so this is noted, not failed"
        }
        return .passed("refused with \(got) as required (\(how)\(expected.isInferred ? "; Exchange's form is inferred" : ""))", [call.exchange], facts: facts)
    }
}
