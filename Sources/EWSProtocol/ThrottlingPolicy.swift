import EWSExecutor
import EWSTransport
import Foundation
import Synchronization

/// How the client honours a provider's throttling answers: an `ErrorServerBusy` fault or response
/// message with `BackOffMilliseconds`, and HTTP 503 with `Retry-After` (seconds). The client waits
/// exactly as long as asked, then sends the request again; an answer that names no wait, a wait
/// longer than ``maxSingleWait``, one past the ``maxTotalWait`` budget, or one that would end after
/// ``until`` (the run's deadline or the end of its time limit) is returned as it is.
/// `ErrorExceededConnectionCount` (EWSMaxConcurrency) names no wait: the client waits briefly
/// (``connectionRetryMilliseconds``, or the budget's suggested back-off when longer), lowers the
/// run's width (``AdaptiveConcurrency``) and sends the request again.
package struct ThrottlingPolicy: Sendable, Hashable {
    /// Retries of one request at most.
    package var maxRetries: Int
    /// The longest single wait honoured, in milliseconds (Exchange Online may ask for minutes).
    package var maxSingleWait: Int
    /// The most one request may wait in all, in milliseconds.
    package var maxTotalWait: Int

    /// Retries of one request after `ErrorServerBusy` or HTTP 503 in a row at most, however much time
    /// is left: a provider that asks one request to back off this often is not throttling it but
    /// refusing it, and the check says so instead of waiting out the run. `ErrorExceededConnectionCount`
    /// does not count here: lowering the run's width is what ends it.
    package var maxBusyRetries: Int

    /// The wait before sending again a request refused with `ErrorExceededConnectionCount`, in milliseconds.
    package var connectionRetryMilliseconds: Int
    /// No wait is begun that would end after this (the run's deadline, or the end of its overall time limit).
    package var until: Date?

    /// Creates a policy; the default retries 4 times, waits up to 60 s at once and 120 s in all.
    package init(maxRetries: Int = 4, maxBusyRetries: Int? = nil, maxSingleWait: Int = 60_000, maxTotalWait: Int = 120_000,
                 connectionRetryMilliseconds: Int = 200, until: Date? = nil) {
        self.maxRetries = maxRetries
        self.maxBusyRetries = maxBusyRetries ?? maxRetries
        self.maxSingleWait = maxSingleWait
        self.maxTotalWait = maxTotalWait
        self.connectionRetryMilliseconds = connectionRetryMilliseconds
        self.until = until
    }

    /// Whether a wait of `milliseconds`, after `waited` already, fits this policy.
    package func allows(_ milliseconds: Int, after waited: Int, now: Date = Date()) -> Bool {
        guard milliseconds <= maxSingleWait, waited + milliseconds <= maxTotalWait else { return false }
        if let until, now.addingTimeInterval(Double(milliseconds) / 1000) > until { return false }
        return true
    }

    /// The reason of a wait before retrying an `ErrorExceededConnectionCount` answer.
    package static let exceededConnectionCount = "ErrorExceededConnectionCount"

    /// Whether a response is `ErrorExceededConnectionCount` (a fault, or the response code of an
    /// HTTP 200 response message): the provider's EWSMaxConcurrency for the budget was reached.
    package static func isExceededConnectionCount(_ response: HTTPResponse) -> Bool {
        guard response.status == 500 || response.status == 200, response.body.count < 1 << 20 else { return false }
        // The code as an element's whole text (faultcode a:…, ResponseCode), not anywhere in an item.
        return UTF8Search.contains(response.body, "ErrorExceededConnectionCount</")
    }

    /// How long to wait before retrying a response, and why; nil when it is no throttling answer
    /// this policy retries (see ``requestedWait(_:)``; `ErrorExceededConnectionCount` waits
    /// ``connectionRetryMilliseconds``, or the suggested back-off of its message when longer).
    package func retryWait(_ response: HTTPResponse) -> (milliseconds: Int, reason: String)? {
        if let asked = Self.requestedWait(response) { return asked }
        guard Self.isExceededConnectionCount(response) else { return nil }
        let text = String(decoding: response.body, as: UTF8.self)
        var suggested = 0
        if let range = text.range(of: "Suggested backoff time ") {
            suggested = Int(text[range.upperBound...].prefix { $0.isASCII && $0.isNumber }) ?? 0
        }
        return (max(connectionRetryMilliseconds, suggested), Self.exceededConnectionCount)
    }

    /// Never retries.
    package static let off = ThrottlingPolicy(maxRetries: 0)

    /// One wait the provider asked for and the client honoured.
    package struct Wait: Sendable, Hashable, CustomStringConvertible {
        /// What asked for it: `ErrorServerBusy BackOffMilliseconds` or `HTTP 503 Retry-After`.
        package var reason: String
        /// How long the client waited, in milliseconds.
        package var milliseconds: Int
        /// The exchange whose answer asked for it.
        package var exchangeID: Int?

        package var description: String { "\(reason) \(milliseconds) ms" + (exchangeID.map { " (exchange #\($0))" } ?? "") }
    }

    /// The wait a response asks for, if any: 503 with `Retry-After: <seconds>`, or an
    /// `ErrorServerBusy` (fault or response message) with `BackOffMilliseconds`.
    package static func requestedWait(_ response: HTTPResponse) -> (milliseconds: Int, reason: String)? {
        if response.status == 503, let value = response.headers.first("Retry-After")?.trimmingCharacters(in: .whitespaces),
           let seconds = Int(value), seconds >= 0 {
            return (seconds * 1000, "HTTP 503 Retry-After")
        }
        guard response.status == 500 || response.status == 200 else { return nil }
        // Byte searches in the body as received: this runs on every answer of the run.
        let body = response.body
        guard body.count < 1 << 20, UTF8Search.contains(body, "ErrorServerBusy"),
              let name = UTF8Search.firstIndex(of: "BackOffMilliseconds", in: body),
              let close = body[name...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
        let digits = body[(close + 1)...].prefix { (0x30...0x39).contains($0) }
        guard !digits.isEmpty, digits.count <= 12, let ms = Int(String(decoding: digits, as: UTF8.self)) else { return nil }
        return (ms, "ErrorServerBusy BackOffMilliseconds")
    }
}

/// The waits honoured while a task runs: a check sets one with ``ThrottleLog/$current`` and finds
/// in it every back-off of its requests (also those sent side by side in child tasks).
package final class ThrottleLog: Sendable {
    private let waits = Mutex<[ThrottlingPolicy.Wait]>([])
    private let answers = Mutex<[HTTPExchange]>([])
    private let lowered = Mutex<[AdaptiveConcurrency.Lowering]>([])

    /// The log of the running check, if any.
    @TaskLocal package static var current: ThrottleLog?

    /// Creates an empty log.
    package init() {}

    /// Records a wait and the exchange whose answer asked for it.
    package func append(_ wait: ThrottlingPolicy.Wait, exchange: HTTPExchange? = nil) {
        waits.locked { $0.append(wait) }
        if let exchange { answers.locked { $0.append(exchange) } }
    }

    /// Records a lowering of the run's width caused by a request of this task.
    package func append(_ lowering: AdaptiveConcurrency.Lowering) {
        lowered.locked { $0.append(lowering) }
    }

    /// The lowerings of the run's width so far.
    package var lowerings: [AdaptiveConcurrency.Lowering] { lowered.locked { $0 } }

    /// The exchanges whose answers asked for the waits (evidence of each back-off).
    package var exchanges: [HTTPExchange] { answers.locked { $0 } }

    /// The waits so far.
    package var all: [ThrottlingPolicy.Wait] { waits.locked { $0 } }

    /// The facts a check's result carries about them (empty without waits): `throttle_waits`
    /// (how many), `throttle_wait_ms` (in all) and `throttle_back_offs` (each one); and
    /// `concurrency_lowered` (each lowering of the run's width its requests caused).
    package var facts: [String: String] {
        let all = self.all
        var facts: [String: String] = [:]
        if !all.isEmpty {
            facts = ["throttle_waits": String(all.count), "throttle_wait_ms": String(all.reduce(0) { $0 + $1.milliseconds }),
                     "throttle_back_offs": all.map(\.description).joined(separator: "; ")]
        }
        let lowerings = self.lowerings
        if !lowerings.isEmpty { facts["concurrency_lowered"] = lowerings.map(\.description).joined(separator: "; ") }
        return facts
    }
}
