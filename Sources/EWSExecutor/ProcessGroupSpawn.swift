#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one way ewscheck starts a child process: `posix_spawn` into a process group of its own (a
/// timeout or a test's end kills the whole group), with an empty signal mask and every signal's
/// default disposition, so a child never inherits a blocked SIGTERM or an ignored SIGPIPE from its
/// parent (daemons that ignored SIGTERM once outlived the tests that started them). The caller
/// sets up the child's descriptors in `actions`.
package enum ProcessGroupSpawn {
    /// Starts `arguments[0]` with `arguments` and `environment` (`NAME=value`); the child's pid, or
    /// the `errno` posix_spawn gave.
    package static func spawn(_ arguments: [String], environment: [String],
                              actions: inout posix_spawn_file_actions_t) -> Result<pid_t, SpawnError> {
        guard let path = arguments.first else { return .failure(SpawnError(path: "", code: EINVAL)) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        return rc == 0 ? .success(pid) : .failure(SpawnError(path: path, code: rc))
    }

    /// Why a child did not start.
    package struct SpawnError: Error, Sendable, CustomStringConvertible {
        /// The program that was to run.
        package var path: String
        /// The error number posix_spawn returned.
        package var code: Int32

        /// `cannot run PATH: REASON`.
        package var description: String { "cannot run \(path): \(String(cString: strerror(code)))" }
    }
}
