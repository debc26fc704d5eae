import NIOCore
import NIOHTTP1
import NIOPosix

/// The plain-HTTP listener Autodiscover's redirect lookup needs (`http://autodiscover.<domain>/…`):
/// same router, no TLS, so every request it gets is logged with `tls: false`.
enum PlainHTTPListener {
    /// Binds it on `host:port` (0 picks a free port) in the simulator's event loop group.
    static func bind(group: MultiThreadedEventLoopGroup, host: String, port: Int, routers: RouterBox,
                     maxBody: Int) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let router = routers.router else { throw SimulatorError("not ready") }
                    routers.track(channel)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(SimulatorHTTPHandler(router: router, tls: false, maxBody: maxBody))
                }
            }
            .bind(host: host, port: port).get()
    }
}
