package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.SocketIOClient;
import com.corundumstudio.socketio.listener.ExceptionListener;
import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs what goes wrong under netty-socketio in one line each. A client that vanishes (connection
 * reset, broken pipe) is normal on the internet and is logged at debug; anything else is a warning
 * with its cause, and the channel is closed rather than left half-broken. Never logs payloads:
 * they may carry tokens.
 */
public final class TransportErrorLog implements ExceptionListener {

    private static final Logger log = LoggerFactory.getLogger(TransportErrorLog.class);

    @Override
    public void onEventException(Exception e, List<Object> args, SocketIOClient client) {
        log.warn("event handler failed for socket {}: {}", client.getSessionId(), e.toString());
    }

    @Override
    public void onDisconnectException(Exception e, SocketIOClient client) {
        log.warn("disconnect handler failed for socket {}: {}", client.getSessionId(), e.toString());
    }

    @Override
    public void onConnectException(Exception e, SocketIOClient client) {
        log.warn("connect handler failed for socket {}: {}", client.getSessionId(), e.toString());
    }

    @Override
    @Deprecated
    public void onPingException(Exception e, SocketIOClient client) {
        log.debug("ping handler failed for socket {}: {}", client.getSessionId(), e.toString());
    }

    @Override
    public void onPongException(Exception e, SocketIOClient client) {
        log.debug("pong handler failed for socket {}: {}", client.getSessionId(), e.toString());
    }

    @Override
    public void onAuthException(Throwable e, SocketIOClient client) {
        log.warn("auth handler failed for socket {}: {}", client.getSessionId(), e.toString());
    }

    @Override
    public boolean exceptionCaught(ChannelHandlerContext ctx, Throwable e) {
        if (e instanceof IOException) {
            log.debug("connection from {} dropped: {}", ctx.channel().remoteAddress(), e.toString());
        } else {
            log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), e.toString());
        }
        ctx.close();
        return true;
    }
}
