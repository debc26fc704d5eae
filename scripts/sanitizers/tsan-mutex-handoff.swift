// Shows why ThreadSanitizer reports "Swift access race" inside Synchronization.Mutex.withLock on
// Linux: under contention the lock is handed over by the kernel (a priority-inheritance futex), an
// acquire/release ThreadSanitizer does not see. Every access below is under the lock, yet
//   swiftc -sanitize=thread -Onone scripts/sanitizers/tsan-mutex-handoff.swift -o /tmp/handoff && /tmp/handoff
// prints such warnings (3 to 5 a run on 2026-12-05, Swift 6.3.1; the number varies), and 1200,
// the right count.
import Dispatch
import Glibc
import Synchronization

struct State {
    var count = 0
    var names: [String] = []
}

final class Box: Sendable {
    let state = Mutex(State())
}

let box = Box()
let sink = open("/dev/null", O_WRONLY)
DispatchQueue.concurrentPerform(iterations: 4) { worker in
    for round in 0..<300 {
        box.state.withLock { s in
            s.count += 1
            s.names.append("\(worker)-\(round)")
            // Holding the lock a little (a write and a short sleep) makes the others wait in the kernel.
            let page = [UInt8](repeating: 65, count: 4096)
            _ = page.withUnsafeBytes { write(sink, $0.baseAddress, $0.count) }
            usleep(50)
        }
    }
}
print(box.state.withLock { $0.count })
