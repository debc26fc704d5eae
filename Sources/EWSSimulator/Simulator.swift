private import EWSExecutor
import EWSProtocol
import Foundation
import Synchronization
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The built-in simulated Exchange provider: HTTPS on loopback with its own CA, a tenant with a
/// service account and mailboxes, EWS and POX Autodiscover with Exchange's message forms.
package final class Simulator: Sendable {
    /// The settings it was started with.
    package let configuration: SimulatorConfiguration
    /// The tenant (inspect it in tests).
    package let tenant: SimulatedTenant
    /// The port it listens on.
    package let port: Int
    /// The plain-HTTP port (Autodiscover's redirect lookup; nothing else is served there).
    package let httpPort: Int
    /// The PEM file of the CA that signed its certificate.
    package let caFile: String
    /// The service account's sign-in name (UPN).
    package let serviceAccount: String
    /// The service account's password.
    package let serviceAccountPassword: String
    /// A second account that signs in with a password but holds no impersonation role (the
    /// target's `negative_controls.unprivileged_account`).
    package var unprivilegedAccount: String { "svc-noimpersonation@\(configuration.domain)" }
    /// Its password.
    package var unprivilegedAccountPassword: String { tenant.user(primarySmtp: unprivilegedAccount)?.password ?? "" }
    /// The mailboxes in the impersonation scope.
    package let mailboxesInScope: [String]
    /// A mailbox that exists but is out of scope.
    package let mailboxOutOfScope: String
    /// An address with no mailbox.
    package let nonexistentMailbox: String
    /// The password of each mailbox user (primary SMTP → password), for own-mailbox clients; with a
    /// state directory also in `secrets/<name>.password`.
    package var mailboxPasswords: [String: String] {
        Dictionary(uniqueKeysWithValues: tenant.allUsers.filter(\.hasMailbox).compactMap { u in u.password.map { (u.primarySmtpAddress, $0) } })
    }
    /// The Entra tenant of the `exchange-online` flavor (nil for the others).
    package let entra: EntraTenant?
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let log: RequestLog
    private let routers: RouterBox
    private let push: PushNotifier

    /// Every request served so far.
    package var requestLog: [SimulatorRequestRecord] { log.all }

    /// Waits until the simulator has logged at least `count` requests since it started (an event,
    /// not a poll): true, or false when `timeout` passed first.
    package func waitForRequests(_ count: Int, timeout: Duration) async -> Bool {
        await log.waitForCount(count, timeout: timeout)
    }

    /// The EWS URL under the simulated mail host name (needs a host pin to 127.0.0.1).
    package var ewsURL: String { "https://mail.\(configuration.domain):\(port)/EWS/Exchange.asmx" }
    /// The EWS URL on the loopback address (the certificate covers it).
    package var loopbackEWSURL: String { "https://127.0.0.1:\(port)/EWS/Exchange.asmx" }
    /// The POX Autodiscover URL on the autodiscover host name.
    package var autodiscoverURL: String { "https://autodiscover.\(configuration.domain):\(port)/autodiscover/autodiscover.xml" }

    private init(configuration: SimulatorConfiguration, tenant: SimulatedTenant, port: Int, caFile: String,
                 password: String, entra: EntraTenant?, group: MultiThreadedEventLoopGroup, channel: any Channel,
                 log: RequestLog, routers: RouterBox, httpPort: Int, push: PushNotifier) {
        self.push = push
        self.httpPort = httpPort
        self.routers = routers
        self.entra = entra
        self.configuration = configuration
        self.tenant = tenant
        self.port = port
        self.caFile = caFile
        serviceAccount = "svc-ewscheck@\(configuration.domain)"
        serviceAccountPassword = password
        mailboxesInScope = configuration.mailboxesInScope.map { "\($0)@\(configuration.domain)" }
        mailboxOutOfScope = "\(configuration.mailboxOutOfScope)@\(configuration.domain)"
        nonexistentMailbox = "nobody@\(configuration.domain)"
        self.group = group
        self.channel = channel
        self.log = log
    }

    /// Starts a simulator and waits until it listens.
    package static func start(_ configuration: SimulatorConfiguration = SimulatorConfiguration()) async throws -> Simulator {
        let fm = FileManager.default
        let state = configuration.stateDirectory ?? (NSTemporaryDirectory() + "ewscheck-sim-" + UUID().uuidString.prefix(8))
        try fm.createDirectory(atPath: state, withIntermediateDirectories: true)
        let password = configuration.serviceAccountPassword ?? Self.randomPassword()
        let tenant = Self.makeTenant(configuration, password: password)
        // The mailbox the EWS policy quirks block (the last in scope, so the first keeps working).
        let policyMailbox = configuration.mailboxesInScope.last.map { "\($0)@\(configuration.domain)".lowercased() }
        let quirks = configuration.quirks
        let entra = configuration.flavor == .exchangeOnline
            ? try EntraTenant(settings: configuration.exchangeOnline, domain: configuration.domain,
                              mailboxesInScope: configuration.mailboxesInScope.map { "\($0)@\(configuration.domain)" },
                              consentedAppAllowListed: !quirks.contains(.appNotOnEwsAllowList),
                              outsidePolicy: quirks.contains(.applicationAccessPolicyExcludesMailbox) ? Set(policyMailbox.map { [$0] } ?? []) : [])
            : nil

        let layout = configuration.autodiscoverLayout
        let ca = try CertificateAuthority(hostnames: layout.certificateNames(configuration.hostnames, domain: configuration.domain),
                                          ipAddresses: [[127, 0, 0, 1]], serverNotAfter: layout.serverCertificateNotAfter)
        let caFile = state + "/ca.pem"
        try Data(ca.caCertificatePEM.utf8).write(to: URL(fileURLWithPath: caFile), options: .atomic)
        // Mailbox users sign in for themselves (own-mailbox clients); their passwords go beside
        // the service account's, readable by the owner only.
        if configuration.stateDirectory != nil {
            let secrets = state + "/secrets"
            try fm.createDirectory(atPath: secrets, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for user in tenant.allUsers where user.hasMailbox {
                guard let password = user.password else { continue }
                let path = secrets + "/" + user.samAccountName + ".password"
                fm.createFile(atPath: path, contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
            }
        }

        var validator: SchemaValidator?
        if configuration.validatesRequests, let dir = configuration.schemaDirectory {
            do {
                validator = try SchemaValidator(schemaFile: dir + "/messages.xsd")
            } catch {
                throw SimulatorError("cannot load the EWS schema from \(dir): \(error)")
            }
        }
        let log = RequestLog(path: configuration.stateDirectory.map { $0 + "/requests.jsonl" })
        let tls = try TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(ca.serverCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(ca.serverKeyPEM.utf8), format: .pem)))
        let sslContext = try NIOSSLContext(configuration: tls)
        let kerberos = try configuration.kerberos.map { try KerberosAuthenticator($0) }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        // The router needs the port for the URLs it hands out; bind first, then build it.
        let routerBox = RouterBox()
        let maxBody = configuration.maxRequestBytes ?? configuration.flavor.maxRequestBytes
        let latency = configuration.latencyMilliseconds
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let router = routerBox.router else { throw SimulatorError("not ready") }
                    routerBox.track(channel)
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(SimulatorHTTPHandler(router: router, tls: true, maxBody: maxBody, latencyMilliseconds: latency))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.bindAddress, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw SimulatorError("cannot listen on \(configuration.bindAddress):\(configuration.port): \(error)")
        }
        let port = channel.localAddress?.port ?? configuration.port
        // Exchange Online's Autodiscover hands out outlook.office365.com.
        let ewsHost = configuration.flavor == .exchangeOnline ? ExchangeOnlineHosts.outlook : "mail.\(configuration.domain)"
        let ewsURL = "https://\(ewsHost):\(port)/EWS/Exchange.asmx"
        let push = PushNotifier(timing: .init(statusSeconds: configuration.pushStatusFrequencySeconds,
                                              firstRetryMilliseconds: configuration.pushFirstRetryMilliseconds,
                                              responseTimeoutSeconds: configuration.pushResponseTimeoutSeconds))
        let ews = EWSService(tenant: tenant, flavor: configuration.flavor, validator: validator, quirks: configuration.quirks,
                             maxRequestBytes: maxBody, streamingKeepAliveSeconds: configuration.streamingKeepAliveSeconds,
                             deliveryDelayMilliseconds: configuration.deliveryDelayMilliseconds,
                             notificationDelayMilliseconds: configuration.notificationDelayMilliseconds,
                             maxSubscriptionsPerMailbox: configuration.maxSubscriptionsPerMailbox ?? configuration.effectiveThrottlingPolicy?.maxSubscriptions,
                             policyMailbox: policyMailbox,
                             pushNotifier: push, externalHost: "\(ewsHost):\(port)")
        var autodiscover = AutodiscoverService(tenant: tenant, ewsURL: ewsURL, serverHost: ewsHost)
        autodiscover.site = AutodiscoverSite(layout: layout, domain: configuration.domain, flavor: configuration.flavor,
                                             tenant: tenant, ewsHost: ewsHost, tlsPort: port)
        routerBox.router = SimulatorRouter(tenant: tenant, flavor: configuration.flavor, ews: ews, autodiscover: autodiscover,
                                           realm: "mail.\(configuration.domain)", schemaDirectory: configuration.schemaDirectory, log: log,
                                           entra: entra,
                                           digest: configuration.digestAlgorithms.isEmpty ? nil
                                               : DigestAuthenticator(algorithms: configuration.digestAlgorithms, realm: "mail.\(configuration.domain)"),
                                           kerberos: kerberos, throttling: configuration.throttling,
                                           throttlingPolicy: configuration.effectiveThrottlingPolicy,
                                           requiredHeaders: configuration.requiredHeaders,
                                           quirks: configuration.quirks, wsdlForeignAddress: configuration.wsdlForeignAddress)
        let httpPort: Int
        do {
            let http = try await PlainHTTPListener.bind(group: group, host: configuration.bindAddress, port: configuration.httpPort,
                                                        routers: routerBox, maxBody: maxBody)
            routerBox.track(http)
            httpPort = http.localAddress?.port ?? configuration.httpPort
        } catch {
            try? await channel.close()
            try? await group.shutdownGracefully()
            throw SimulatorError("cannot listen for plain HTTP on \(configuration.bindAddress):\(configuration.httpPort): \(error)")
        }
        return Simulator(configuration: configuration, tenant: tenant, port: port, caFile: caFile, password: password,
                         entra: entra, group: group, channel: channel, log: log, routers: routerBox, httpPort: httpPort,
                         push: push)
    }

    /// Stops listening and closes every connection.
    package func shutdown() async {
        try? await channel.close()
        await push.stop()
        // Idle keep-alive connections would otherwise hold the event loops open for seconds.
        for child in routers.openChannels { try? await child.close() }
        try? await group.shutdownGracefully()
    }

    private static func randomPassword() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        return "Sim-" + String((0..<20).map { _ in alphabet.randomElement() ?? "x" }) + "!9"
    }

    private static func makeTenant(_ c: SimulatorConfiguration, password: String) -> SimulatedTenant {
        let tenant = SimulatedTenant(domain: c.domain, netbiosDomain: c.netbiosDomain)
        var rid = 1100
        func sid() -> String {
            rid += 1
            return "S-1-5-21-1493619105-1843311271-3936346804-\(rid)"
        }
        tenant.add(SimulatedUser(primarySmtpAddress: "svc-ewscheck@\(c.domain)", sid: sid(),
                                 displayName: "ewscheck service account", password: password, hasMailbox: false))
        let people = c.mailboxesInScope + [c.mailboxOutOfScope]
        // Exchange Online mailboxes also answer at the tenant's initial onmicrosoft.com domain.
        let online = c.flavor == .exchangeOnline
        for name in people {
            let display = name.prefix(1).uppercased() + name.dropFirst()
            let initial = online ? ["\(name)@\(ExchangeOnlineHosts.initialDomain(of: c.domain))"] : []
            tenant.add(SimulatedUser(primarySmtpAddress: "\(name)@\(c.domain)",
                                     proxyAddresses: ["\(name).alias@\(c.domain)"] + initial, sid: sid(),
                                     displayName: "\(display) Example", password: randomPassword()))
        }
        // Groups, rooms and a room list, as a contact centre's tenant has them.
        let d = c.domain
        for (name, display) in [("room-1", "Conference Room 1"), ("room-2", "Conference Room 2")] {
            var room = SimulatedUser(primarySmtpAddress: "\(name)@\(d)", sid: sid(), displayName: display)
            room.isRoom = true
            tenant.add(room)
        }
        // Added last, so the other SIDs stay as they were. An account like the service account, but never granted ApplicationImpersonation.
        tenant.add(SimulatedUser(primarySmtpAddress: "svc-noimpersonation@\(c.domain)", sid: sid(),
                                 displayName: "account without impersonation", password: randomPassword(), hasMailbox: false))
        let agents = c.mailboxesInScope.prefix(2).map { "\($0)@\(d)" }
        tenant.add(DistributionGroup(primarySmtpAddress: "support@\(d)", displayName: "Support Team", members: agents))
        tenant.add(DistributionGroup(primarySmtpAddress: "escalations@\(d)", displayName: "Escalations",
                                     members: c.mailboxesInScope.dropFirst(2).prefix(1).map { "\($0)@\(d)" } + ["support@\(d)"]))
        tenant.add(DistributionGroup(primarySmtpAddress: "rooms-hq@\(d)", displayName: "HQ Rooms",
                                     members: ["room-1@\(d)", "room-2@\(d)"], isRoomList: true))
        // The ApplicationImpersonation role is gone from Exchange Online (February 2025): there an
        // app's full_access_as_app permission and its Application Access Policy decide instead.
        if !online {
            tenant.grantImpersonation(to: "svc-ewscheck@\(c.domain)",
                                      scope: .mailboxes(Set(c.mailboxesInScope.map { "\($0)@\(c.domain)" })))
        }
        return tenant
    }
}

/// Holds the router until the port is known; read by connection initialisers afterwards.
/// Also remembers open connections, so shutdown can close them.
final class RouterBox: Sendable {
    private let value = Mutex<SimulatorRouter?>(nil)
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    var router: SimulatorRouter? {
        get { value.locked { $0 } }
        set { value.locked { $0 = newValue } }
    }

    func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.locked { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.locked { $0.removeValue(forKey: key) }
        }
    }

    var openChannels: [any Channel] { channels.locked { Array($0.values) } }
}

/// Why the simulator could not start.
package struct SimulatorError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    package var message: String
    init(_ message: String) { self.message = message }
    package var description: String { message }
}
