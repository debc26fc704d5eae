internal import CEWSGSS
import Foundation

/// Helpers over MIT GSS-API shared by the acceptor, the initiator and the ticket cache: buffers,
/// names, status texts and the krb5 error codes that have a named cause.
enum GSS {
    /// Copies a GSS buffer into Swift bytes.
    static func bytes(_ buffer: gss_buffer_desc) -> [UInt8] {
        guard buffer.length > 0, let value = buffer.value else { return [] }
        return Array(UnsafeRawBufferPointer(start: value, count: buffer.length))
    }

    /// Releases a GSS-allocated buffer.
    static func release(_ buffer: inout gss_buffer_desc) {
        var minor: OM_uint32 = 0
        _ = gss_release_buffer(&minor, &buffer)
    }

    /// Runs `body` with a GSS buffer over `bytes` (not copied; valid only during the call).
    static func withBuffer<R>(_ bytes: [UInt8], _ body: (inout gss_buffer_desc) -> R) -> R {
        var copy = bytes
        return copy.withUnsafeMutableBytes { raw in
            var buffer = gss_buffer_desc(length: raw.count, value: raw.baseAddress)
            return body(&buffer)
        }
    }

    /// The mechanism an OID names.
    static func mechanism(_ oid: gss_OID?) -> GSSMechanism? {
        guard let oid, let elements = oid.pointee.elements else { return nil }
        return GSSMechanism(oidBytes: Array(UnsafeRawBufferPointer(start: elements, count: Int(oid.pointee.length))))
    }

    /// Imports a name: `service@host` as a host-based service, anything else as a Kerberos principal.
    static func importName(_ text: String, hostBased: Bool, stage: String) throws(KerberosFailure) -> gss_name_t? {
        var minor: OM_uint32 = 0
        var name: gss_name_t?
        let type = hostBased ? cews_gss_nt_hostbased_service() : cews_gss_nt_krb5_principal()
        let major = withBuffer(Array(text.utf8)) { buffer in gss_import_name(&minor, &buffer, type, &name) }
        if cews_gss_error(major) != 0 { throw failure(stage, major, minor) }
        return name
    }

    /// The display form of a name (`svc@CONTOSO.COM`).
    static func display(_ name: gss_name_t?) -> String? {
        guard let name else { return nil }
        var minor: OM_uint32 = 0
        var buffer = gss_buffer_desc(length: 0, value: nil)
        guard gss_display_name(&minor, name, &buffer, nil) == CEWS_GSS_S_COMPLETE else { return nil }
        defer { release(&buffer) }
        return String(decoding: bytes(buffer), as: UTF8.self)
    }

    static func release(_ name: inout gss_name_t?) {
        guard name != nil else { return }
        var minor: OM_uint32 = 0
        _ = gss_release_name(&minor, &name)
    }

    /// MIT's texts for a status pair, and the named cause where the minor code has one.
    static func failure(_ stage: String, _ major: OM_uint32, _ minor: OM_uint32) -> KerberosFailure {
        var texts = statusTexts(major, type: CEWS_GSS_C_GSS_CODE)
        if minor != 0 { texts += statusTexts(minor, type: CEWS_GSS_C_MECH_CODE) }
        let code = Int32(bitPattern: minor)
        // Through SPNEGO, MIT's mechglue renumbers the krb5 code (100005…): its text still names it.
        var cause = Self.cause(ofMinor: code) ?? Self.cause(ofText: texts.joined(separator: " "))
        if cause == nil, cews_gss_routine_error(major) == CEWS_GSS_S_NO_CRED { cause = .noCredentials }
        if cause == nil, cews_gss_routine_error(major) == CEWS_GSS_S_CREDENTIALS_EXPIRED { cause = .ticketExpired }
        let message = texts.filter { !$0.isEmpty && $0 != "Unspecified GSS failure.  Minor code may provide more information" }
            .joined(separator: ": ")
        return KerberosFailure(stage: stage, message: message.isEmpty ? "GSS-API major status \(major), minor \(code)" : message,
                               cause: cause, major: major, minor: code)
    }

    static func cause(ofMinor code: Int32) -> KerberosFailure.Cause? {
        let c = Int(code)
        switch c {
        case CEWS_KRB5KRB_AP_ERR_SKEW: return .clockSkew
        case CEWS_KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN: return .unknownServicePrincipal
        case CEWS_KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN: return .unknownClient
        case CEWS_KRB5KDC_ERR_PREAUTH_FAILED, CEWS_KRB5KRB_AP_ERR_BAD_INTEGRITY: return .wrongPassword
        case CEWS_KRB5KDC_ERR_NAME_EXP: return .clientExpired
        case CEWS_KRB5KDC_ERR_KEY_EXP: return .passwordExpired
        case CEWS_KRB5KDC_ERR_CLIENT_REVOKED: return .clientDisabled
        case CEWS_KRB5_KDC_UNREACH: return .kdcUnreachable
        case CEWS_KRB5_REALM_UNKNOWN, CEWS_KRB5_REALM_CANT_RESOLVE: return .realmUnknown
        case CEWS_KRB5KRB_AP_ERR_TKT_EXPIRED: return .ticketExpired
        case CEWS_KRB5KRB_AP_ERR_MODIFIED, CEWS_KRB5KRB_AP_ERR_NOT_US, CEWS_KRB5KRB_AP_WRONG_PRINC, CEWS_KRB5_KT_NOTFOUND:
            return .wrongServiceKey
        case CEWS_KRB5_FCC_NOFILE, CEWS_KRB5_CC_NOTFOUND: return .noCredentials
        case CEWS_KRB5KRB_AP_ERR_REPEAT: return .replay
        case CEWS_KRB5KDC_ERR_ETYPE_NOSUPP: return .encryptionType
        default: return nil
        }
    }

    /// The cause named by MIT's error-table texts (stable com_err messages).
    static func cause(ofText text: String) -> KerberosFailure.Cause? {
        let t = text.lowercased()
        let table: [(String, KerberosFailure.Cause)] = [
            ("clock skew too great", .clockSkew),
            ("server not found in kerberos database", .unknownServicePrincipal),
            ("client not found in kerberos database", .unknownClient),
            ("preauthentication failed", .wrongPassword), ("password incorrect", .wrongPassword),
            ("decrypt integrity check failed", .wrongPassword),
            ("client's entry in database has expired", .clientExpired),
            ("password has expired", .passwordExpired),
            ("client's credentials have been revoked", .clientDisabled),
            ("cannot contact any kdc", .kdcUnreachable),
            ("cannot find kdc for realm", .realmUnknown), ("cannot resolve network address for kdc", .realmUnknown),
            ("ticket expired", .ticketExpired),
            ("request is a replay", .replay),
            ("no support for encryption type", .encryptionType),
            ("the ticket isn't for us", .wrongServiceKey), ("no key table entry found", .wrongServiceKey),
        ]
        if t.contains("server") && t.contains("not found in kerberos database") { return .unknownServicePrincipal }
        if t.contains("client") && t.contains("not found in kerberos database") { return .unknownClient }
        return table.first { t.contains($0.0) }?.1
    }

    private static func statusTexts(_ status: OM_uint32, type: Int32) -> [String] {
        var texts: [String] = []
        var context: OM_uint32 = 0
        repeat {
            var minor: OM_uint32 = 0
            var buffer = gss_buffer_desc(length: 0, value: nil)
            let major = gss_display_status(&minor, status, type, nil, &context, &buffer)
            guard major == CEWS_GSS_S_COMPLETE else { break }
            texts.append(String(decoding: bytes(buffer), as: UTF8.self))
            release(&buffer)
        } while context != 0 && texts.count < 8
        return texts
    }
}
