internal import CEWSGSS
import Foundation

/// A private, run-scoped Kerberos credential cache: a `FILE:` cache in a folder only this user
/// can read, filled from a keytab or a password (what `kinit` does), and removed by ``destroy()``.
/// Nothing else (no environment variable, no default cache) is touched, so a run never reuses or
/// leaves behind the user's own tickets.
package final class KerberosTicketCache: Sendable {
    /// The client principal (`svc-ews@CONTOSO.COM`).
    package let principal: String
    /// The private folder holding the cache.
    package let directory: String
    /// The cache name as GSS-API and libcurl's GSS layer take it (`FILE:/…/ccache`).
    package var name: String { "FILE:\(directory)/ccache" }

    private init(principal: String, directory: String) {
        self.principal = principal
        self.directory = directory
    }

    /// Gets a ticket-granting ticket for `principal` with the key in `keytab`.
    package static func login(principal: String, keytab: String) throws(KerberosFailure) -> KerberosTicketCache {
        guard FileManager.default.isReadableFile(atPath: keytab) else {
            throw KerberosFailure(stage: "reading the keytab \(keytab)", message: "the file does not exist or cannot be read", cause: .noCredentials)
        }
        let cache = try make(principal: principal)
        do throws(KerberosFailure) {
            var name = try GSS.importName(principal, hostBased: false, stage: "reading the principal name \(principal)")
            defer { GSS.release(&name) }
            var minor: OM_uint32 = 0
            var cred: gss_cred_id_t?
            var store = cews_gss_store()
            let ccache = cache.name
            let major = withUnsafeMutablePointer(to: &store) { s in
                "client_keytab".withCString { k0 in keytab.withCString { v0 in "ccache".withCString { k1 in ccache.withCString { v1 in
                    gss_acquire_cred_from(&minor, name, CEWS_GSS_C_INDEFINITE, cews_gss_no_oid_set(), CEWS_GSS_C_INITIATE,
                                          cews_gss_store_make(s, k0, v0, k1, v1, nil, nil), &cred, nil, nil)
                } } } }
            }
            if cews_gss_error(major) != 0 { throw GSS.failure("getting a ticket for \(principal) from the keytab \(keytab)", major, minor) }
            defer { _ = gss_release_cred(&minor, &cred) }
            // MIT fetches the ticket when the cache has none; a cache still empty means it did not.
            try cache.requireTicket(stage: "getting a ticket for \(principal) from the keytab \(keytab)")
            return cache
        } catch {
            cache.destroy()
            throw error
        }
    }

    /// Gets a ticket-granting ticket for `principal` with `password` (never stored).
    package static func login(principal: String, password: Secret) throws(KerberosFailure) -> KerberosTicketCache {
        let cache = try make(principal: principal)
        do throws(KerberosFailure) {
            var name = try GSS.importName(principal, hostBased: false, stage: "reading the principal name \(principal)")
            defer { GSS.release(&name) }
            var minor: OM_uint32 = 0
            var cred: gss_cred_id_t?
            let stage = "getting a ticket for \(principal) with its password"
            let major = password.withUnsafeValue { value in
                GSS.withBuffer(Array(value.utf8)) { buffer in
                    gss_acquire_cred_with_password(&minor, name, &buffer, CEWS_GSS_C_INDEFINITE, cews_gss_no_oid_set(), CEWS_GSS_C_INITIATE,
                                                   &cred, nil, nil)
                }
            }
            if cews_gss_error(major) != 0 { throw GSS.failure(stage, major, minor) }
            defer { _ = gss_release_cred(&minor, &cred) }
            var store = cews_gss_store()
            let ccache = cache.name
            let stored = withUnsafeMutablePointer(to: &store) { s in
                "ccache".withCString { k in ccache.withCString { v in
                    gss_store_cred_into(&minor, cred, CEWS_GSS_C_INITIATE, cews_gss_mech_krb5(), 1, 1,
                                        cews_gss_store_make(s, k, v, nil, nil, nil, nil), nil, nil)
                } }
            }
            if cews_gss_error(stored) != 0 { throw GSS.failure("\(stage): storing it in the run's private cache", stored, minor) }
            try cache.requireTicket(stage: stage)
            return cache
        } catch {
            cache.destroy()
            throw error
        }
    }

    private static func make(principal: String) throws(KerberosFailure) -> KerberosTicketCache {
        let directory = NSTemporaryDirectory() + "ewscheck-krb5cc-" + UUID().uuidString.prefix(12)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw KerberosFailure(stage: "creating a private credential cache", message: "\(error)", cause: nil)
        }
        return KerberosTicketCache(principal: principal, directory: directory)
    }

    private func requireTicket(stage: String) throws(KerberosFailure) {
        let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/ccache")[.size] as? Int) ?? 0
        if size == 0 {
            throw KerberosFailure(stage: stage, message: "the KDC gave no ticket (the credential cache stayed empty)", cause: .noCredentials)
        }
    }

    /// Removes the cache and its folder (overwriting the cache first, as `kdestroy` does).
    package func destroy() {
        let file = directory + "/ccache"
        if let handle = FileHandle(forUpdatingAtPath: file) {
            let size = (try? handle.seekToEnd()) ?? 0
            try? handle.seek(toOffset: 0)
            handle.write(Data(count: Int(size)))
            try? handle.close()
        }
        try? FileManager.default.removeItem(atPath: directory)
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
