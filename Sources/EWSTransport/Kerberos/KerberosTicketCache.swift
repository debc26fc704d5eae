internal import CEWSGSS
import Foundation

/// A private, run-scoped Kerberos credential cache: a `FILE:` cache in a folder only this user
/// can read, filled from a keytab or a password (what `kinit` does), renewed from the same login
/// by replacing the file whole (``prepareRenewal()``, ``commit(_:)``; ``KerberosTicketSource``
/// decides when), and removed by ``destroy()``.
/// Nothing else (no environment variable, no default cache) is touched, so a run never reuses or
/// leaves behind the user's own tickets.
package final class KerberosTicketCache: Sendable {
    /// Where the ticket-granting ticket comes from, kept for its renewals.
    package enum Login: Sendable {
        /// The key in a keytab file.
        case keytab(String)
        /// The password (never written anywhere).
        case password(Secret)
    }

    /// When a ticket-granting ticket starts and ends (the KDC's times, whole seconds).
    package struct TicketTimes: Sendable, Hashable {
        /// When it became valid.
        package var start: Date
        /// When it stops being valid.
        package var end: Date
        /// Its lifetime in seconds (the KDC's `max_life` for the principal and realm, at most).
        package var lifetime: TimeInterval { end.timeIntervalSince(start) }

        /// Creates ticket times.
        package init(start: Date, end: Date) {
            self.start = start
            self.end = end
        }
    }

    /// The client principal (`svc-ews@CONTOSO.COM`).
    package let principal: String
    /// The private folder holding the cache.
    package let directory: String
    /// How the tickets were, and are renewed, obtained.
    package let login: Login
    /// The cache name as GSS-API and libcurl's GSS layer take it (`FILE:/…/ccache`).
    package var name: String { "FILE:\(path)" }
    private var path: String { directory + "/ccache" }

    private init(principal: String, directory: String, login: Login) {
        self.principal = principal
        self.directory = directory
        self.login = login
    }

    /// Gets a ticket-granting ticket for `principal` with the key in `keytab`.
    package static func login(principal: String, keytab: String) throws(KerberosFailure) -> KerberosTicketCache {
        guard FileManager.default.isReadableFile(atPath: keytab) else {
            throw KerberosFailure(stage: "reading the keytab \(keytab)", message: "the file does not exist or cannot be read", cause: .noCredentials)
        }
        return try login(principal: principal, with: .keytab(keytab))
    }

    /// Gets a ticket-granting ticket for `principal` with `password` (kept in memory for the
    /// renewals, never written).
    package static func login(principal: String, password: Secret) throws(KerberosFailure) -> KerberosTicketCache {
        try login(principal: principal, with: .password(password))
    }

    private static func login(principal: String, with login: Login) throws(KerberosFailure) -> KerberosTicketCache {
        let cache = try make(principal: principal, login: login)
        do throws(KerberosFailure) {
            try cache.acquire(into: cache.path)
            return cache
        } catch {
            cache.destroy()
            throw error
        }
    }

    /// What a sign-in with this cache's login is called in a failure's stage.
    package var loginStage: String {
        switch login {
        case .keytab(let keytab): return "getting a ticket for \(principal) from the keytab \(keytab)"
        case .password: return "getting a ticket for \(principal) with its password"
        }
    }

    /// Signs in again (what `kinit` does) into a new file beside the cache, not yet in use: ``commit(_:)``
    /// puts it in the cache's place, ``discard(_:)`` removes it. Blocks for a KDC round trip.
    /// - Returns: the new file's path.
    package func prepareRenewal() throws(KerberosFailure) -> String {
        let fresh = directory + "/ccache.renewal-" + UUID().uuidString.prefix(8)
        do throws(KerberosFailure) {
            try acquire(into: fresh)
            return fresh
        } catch {
            discard(fresh)
            throw error
        }
    }

    /// Puts a renewed cache in the cache's place with one `rename(2)`: libcurl's GSS layer opens
    /// the cache by name for each handshake, so a handshake reads the old file or the new one,
    /// whole, never an empty or half-written cache. The replaced file (its ticket within a minute
    /// of its end) is unlinked, not overwritten: a handshake may still be reading it.
    package func commit(_ renewed: String) throws(KerberosFailure) {
        guard rename(renewed, path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard(renewed)
            throw KerberosFailure(stage: "\(loginStage): putting the new ticket in the run's private cache", message: reason, cause: nil)
        }
    }

    /// Removes a renewed cache that will not be used (overwritten first).
    package func discard(_ renewed: String) {
        Self.overwriteAndRemove(renewed)
    }

    /// The times of the ticket-granting ticket in the cache (read from the cache, not asked of the KDC).
    package func ticketTimes() throws(KerberosFailure) -> TicketTimes {
        try Self.ticketTimes(ofFile: path, stage: "reading the ticket times of \(principal) from the run's private cache")
    }

    private static func ticketTimes(ofFile file: String, stage: String) throws(KerberosFailure) -> TicketTimes {
        var start: Int64 = 0
        var end: Int64 = 0
        let code = cews_krb5_tgt_times("FILE:" + file, &start, &end)
        guard code == 0 else {
            let minor = Int32(truncatingIfNeeded: code)
            throw KerberosFailure(stage: stage, message: "krb5 error \(code)", cause: GSS.cause(ofMinor: minor) ?? .noCredentials, minor: minor)
        }
        return TicketTimes(start: Date(timeIntervalSince1970: TimeInterval(start)), end: Date(timeIntervalSince1970: TimeInterval(end)))
    }

    /// Gets a ticket-granting ticket into the `FILE:` cache at `file` (a new file).
    private func acquire(into file: String) throws(KerberosFailure) {
        var name = try GSS.importName(principal, hostBased: false, stage: "reading the principal name \(principal)")
        defer { GSS.release(&name) }
        var minor: OM_uint32 = 0
        var cred: gss_cred_id_t?
        var store = cews_gss_store()
        let ccache = "FILE:" + file
        let stage = loginStage
        switch login {
        case .keytab(let keytab):
            let major = withUnsafeMutablePointer(to: &store) { s in
                "client_keytab".withCString { k0 in keytab.withCString { v0 in "ccache".withCString { k1 in ccache.withCString { v1 in
                    gss_acquire_cred_from(&minor, name, CEWS_GSS_C_INDEFINITE, cews_gss_no_oid_set(), CEWS_GSS_C_INITIATE,
                                          cews_gss_store_make(s, k0, v0, k1, v1, nil, nil), &cred, nil, nil)
                } } } }
            }
            if cews_gss_error(major) != 0 { throw GSS.failure(stage, major, minor) }
            // The ticket is in the cache now; the handle is not needed.
            _ = gss_release_cred(&minor, &cred)
        case .password(let password):
            let major = password.withUnsafeValue { value in
                GSS.withBuffer(Array(value.utf8)) { buffer in
                    gss_acquire_cred_with_password(&minor, name, &buffer, CEWS_GSS_C_INDEFINITE, cews_gss_no_oid_set(), CEWS_GSS_C_INITIATE,
                                                   &cred, nil, nil)
                }
            }
            if cews_gss_error(major) != 0 { throw GSS.failure(stage, major, minor) }
            defer { _ = gss_release_cred(&minor, &cred) }
            let stored = withUnsafeMutablePointer(to: &store) { s in
                "ccache".withCString { k in ccache.withCString { v in
                    gss_store_cred_into(&minor, cred, CEWS_GSS_C_INITIATE, cews_gss_mech_krb5(), 1, 1,
                                        cews_gss_store_make(s, k, v, nil, nil, nil, nil), nil, nil)
                } }
            }
            if cews_gss_error(stored) != 0 { throw GSS.failure("\(stage): storing it in the run's private cache", stored, minor) }
        }
        // MIT fetches the ticket when the cache has none; a cache still empty means it did not.
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        if size == 0 {
            throw KerberosFailure(stage: stage, message: "the KDC gave no ticket (the credential cache stayed empty)", cause: .noCredentials)
        }
    }

    private static func make(principal: String, login: Login) throws(KerberosFailure) -> KerberosTicketCache {
        let directory = NSTemporaryDirectory() + "ewscheck-krb5cc-" + UUID().uuidString.prefix(12)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw KerberosFailure(stage: "creating a private credential cache", message: "\(error)", cause: nil)
        }
        return KerberosTicketCache(principal: principal, directory: directory, login: login)
    }

    /// Removes the cache and its folder (overwriting the cache first, as `kdestroy` does), with
    /// any renewal not yet committed.
    package func destroy() {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files { Self.overwriteAndRemove(directory + "/" + file) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func overwriteAndRemove(_ file: String) {
        if let handle = FileHandle(forUpdatingAtPath: file) {
            let size = (try? handle.seekToEnd()) ?? 0
            try? handle.seek(toOffset: 0)
            handle.write(Data(count: Int(size)))
            try? handle.close()
        }
        try? FileManager.default.removeItem(atPath: file)
    }

    /// Initiator credentials from this cache (for ``GSSInitiator``); the caller releases them.
    static func initiatorCredential(principal: String, cacheName: String) throws(KerberosFailure) -> gss_cred_id_t? {
        var name = try GSS.importName(principal, hostBased: false, stage: "reading the principal name \(principal)")
        defer { GSS.release(&name) }
        var minor: OM_uint32 = 0
        var cred: gss_cred_id_t?
        var store = cews_gss_store()
        let ccache = cacheName
        let major = withUnsafeMutablePointer(to: &store) { s in
            "ccache".withCString { k in ccache.withCString { v in
                gss_acquire_cred_from(&minor, name, CEWS_GSS_C_INDEFINITE, cews_gss_no_oid_set(), CEWS_GSS_C_INITIATE,
                                      cews_gss_store_make(s, k, v, nil, nil, nil, nil), &cred, nil, nil)
            } }
        }
        if cews_gss_error(major) != 0 { throw GSS.failure("reading the run's credential cache for \(principal)", major, minor) }
        return cred
    }

    /// Makes `cacheName` the default Kerberos cache of the calling thread only (MIT keeps it per
    /// thread), so libcurl's Negotiate on a transport worker thread uses the run's cache.
    static func useOnCurrentThread(_ cacheName: String) {
        var minor: OM_uint32 = 0
        _ = gss_krb5_ccache_name(&minor, cacheName, nil)
    }
}
