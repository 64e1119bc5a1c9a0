package dev.dialtone.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.dialtone.relay.TurnServer;
import dev.dialtone.relay.allocation.AllocationView;
import dev.dialtone.signaling.call.CallSessions;
import dev.dialtone.signaling.call.ConnectedSocket;
import dev.dialtone.signaling.call.LiveCall;
import dev.dialtone.signaling.call.LiveCalls;
import dev.dialtone.signaling.call.SocketDetails;
import dev.dialtone.signaling.call.UserSessions;
import dev.dialtone.signaling.protocol.Requests;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's API under {@code /admin/} on the private HTTP port (docs/admin-api.md): live
 * calls, a user's sockets, relay allocations; ending a call, disconnecting a user. Every request
 * carries {@code dialtone.admin.token} as a bearer token; an address that keeps getting it wrong
 * is turned away for a while. Lists are capped at {@link #MAX_LIST} and say when they were cut.
 */
public final class AdminApi implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    static final String PATH = "/admin/";
    /** The most entries one list answer holds; {@code ?limit=} asks for fewer. */
    static final int MAX_LIST = 1000;
    private static final Pattern CALL_ID =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern LIMIT = Pattern.compile("[0-9]{1,4}");
    private static final String JSON = "application/json";
    private static final int MAX_LOGGED_PATH = 200;

    /** Where the answers come from. */
    public interface Backend {
        /** False until every service listens, and again from the start of a drain. */
        boolean ready();

        /** Empty while not {@link #ready}, and always on a relay-only node. */
        Optional<CallSessions> sessions();

        /** Empty while the server is starting or draining, or when the built-in relay is off. */
        Optional<TurnServer> relay();
    }

    private final AdminConfig config;
    private final Backend backend;
    private final BearerToken token;
    private final FailedAttempts failures = new FailedAttempts(System::nanoTime);
    private final ObjectMapper json = new ObjectMapper();

    public AdminApi(AdminConfig config, Backend backend) {
        this.config = config;
        this.backend = backend;
        this.token = new BearerToken(config.token());
    }

    /** Whether a token is configured; without one {@code /admin/} is not served at all. */
    boolean enabled() {
        return config.enabled();
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        InetAddress from = ex.getRemoteAddress().getAddress();
        long blocked = failures.blockedFor(from);
        if (blocked > 0) {
            ex.getResponseHeaders().set("Retry-After", String.valueOf(TimeUnit.NANOSECONDS.toSeconds(blocked) + 1));
            error(ex, 429, "too many failed attempts from this address; retry later");
            return;
        }
        if (!token.admits(ex.getRequestHeaders().getFirst("Authorization"))) {
            if (failures.failed(from)) {
                log.warn("admin API: {} failed attempts from {} within a minute; refusing it for the rest of the minute",
                        FailedAttempts.MAX_FAILURES, from.getHostAddress());
            } else {
                log.info("admin API: refused {} {} from {}: missing or wrong bearer token", ex.getRequestMethod(),
                        loggable(ex), from.getHostAddress());
            }
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"dialtone-admin\"");
            error(ex, 401, "missing or wrong bearer token (Authorization: Bearer <dialtone.admin.token>)");
            return;
        }
        try {
            route(ex, from.getHostAddress());
        } catch (BadRequest e) {
            error(ex, 400, e.getMessage());
        } catch (RuntimeException e) {
            log.error("admin API: {} {} failed", ex.getRequestMethod(), loggable(ex), e);
            error(ex, 500, "internal error; see the server log");
        }
    }

    private void route(HttpExchange ex, String from) throws IOException {
        String[] path = ex.getRequestURI().getRawPath().substring(PATH.length()).split("/", -1);
        Route route = Route.of(path);
        if (route == null) {
            error(ex, 404, "no such admin resource; see docs/admin-api.md");
            return;
        }
        if (!route.method.equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", route.method);
            error(ex, 405, ex.getRequestMethod() + " is not allowed here; use " + route.method);
            return;
        }
        if (!backend.ready()) {
            notReady(ex);
            return;
        }
        if (route == Route.ALLOCATIONS) {
            listAllocations(ex, limit(ex));
            return;
        }
        Optional<CallSessions> sessions = backend.sessions();
        if (sessions.isEmpty()) {
            if (backend.ready()) {
                error(ex, 404, "no calls or users here: this is a relay-only node (dialtone.signaling.enabled = false)");
            } else {
                notReady(ex); // a drain began since the check above
            }
            return;
        }
        switch (route) {
            case CALLS -> listCalls(ex, sessions.get(), limit(ex));
            case CALL -> endCall(ex, sessions.get(), callId(path[1]), from);
            case USER -> send(ex, 200, user(sessions.get().user(userId(path[1]))));
            case USER_SOCKETS -> disconnect(ex, sessions.get(), userId(path[1]), from);
            default -> throw new IllegalStateException("no handler for " + route);
        }
    }

    private void notReady(HttpExchange ex) throws IOException {
        error(ex, 503, "not ready: the server is starting or draining");
    }

    private void listCalls(HttpExchange ex, CallSessions sessions, int limit) throws IOException {
        LiveCalls live = sessions.calls(limit);
        ObjectNode body = json.createObjectNode();
        ArrayNode list = body.putArray("calls");
        live.calls().forEach(c -> list.add(call(c)));
        body.put("total", live.total()).put("truncated", live.truncated());
        send(ex, 200, body);
    }

    private void endCall(HttpExchange ex, CallSessions sessions, String callId, String from) throws IOException {
        if (!sessions.endByOperator(callId)) {
            error(ex, 404, "no live call " + callId);
            return;
        }
        log.info("admin API: call {} ended by an operator (request from {})", callId, from);
        send(ex, 200, json.createObjectNode().put("ended", callId));
    }

    private void disconnect(HttpExchange ex, CallSessions sessions, String userId, String from) throws IOException {
        int sockets = sessions.disconnectUser(userId);
        log.info("admin API: disconnecting {} socket(s) of user={} (request from {})", sockets, userId, from);
        send(ex, 200, json.createObjectNode().put("userId", userId).put("disconnected", sockets));
    }

    private void listAllocations(HttpExchange ex, int limit) throws IOException {
        Optional<TurnServer> relay = backend.relay();
        if (relay.isEmpty()) {
            error(ex, 404, "the built-in relay is off (dialtone.relay.enabled = false)");
            return;
        }
        int total = relay.get().counters().allocations();
        List<AllocationView> views = relay.get().allocations(limit);
        ObjectNode body = json.createObjectNode();
        ArrayNode list = body.putArray("allocations");
        for (AllocationView a : views) {
            list.addObject()
                    .put("user", a.userId())
                    .put("client", address(a.client()))
                    .put("transport", a.transport().name().toLowerCase(Locale.ROOT))
                    .put("relayed", address(a.relayed()))
                    .put("ageSeconds", TimeUnit.MILLISECONDS.toSeconds(a.ageMillis()))
                    .put("bytesToPeer", a.bytesToPeer())
                    .put("bytesToClient", a.bytesToClient());
        }
        // the count is read apart from the list: allocations come and go in between
        body.put("total", Math.max(total, views.size())).put("truncated", total > views.size());
        send(ex, 200, body);
    }

    private ObjectNode user(UserSessions user) {
        ObjectNode body = json.createObjectNode().put("userId", user.userId()).put("online", !user.sockets().isEmpty());
        ArrayNode sockets = body.putArray("sockets");
        for (ConnectedSocket s : user.sockets()) {
            ObjectNode socket = sockets.addObject().put("id", s.id().toString()).put("node", s.node());
            SocketDetails d = s.details();
            socket.put("transport", d == null ? null : d.transport())
                    .put("remoteAddress", d == null ? null : d.remoteAddress())
                    .put("connectedSince", d == null ? null : d.connectedAt().toString());
        }
        body.set("call", user.call().map(this::call).orElse(null));
        return body;
    }

    private ObjectNode call(LiveCall c) {
        return json.createObjectNode().put("id", c.id()).put("from", c.from()).put("to", c.to())
                .put("type", c.type()).put("state", c.state()).put("since", c.since().toString()).put("node", c.node());
    }

    private static int limit(HttpExchange ex) {
        String query = ex.getRequestURI().getRawQuery();
        if (query == null || query.isEmpty()) {
            return MAX_LIST;
        }
        if (!query.startsWith("limit=") || query.indexOf('&') >= 0) {
            throw new BadRequest("the only query parameter is limit=1.." + MAX_LIST);
        }
        String value = query.substring("limit=".length());
        int limit = LIMIT.matcher(value).matches() ? Integer.parseInt(value) : 0;
        if (limit < 1 || limit > MAX_LIST) {
            throw new BadRequest("limit must be a number from 1 to " + MAX_LIST);
        }
        return limit;
    }

    private static String callId(String raw) {
        if (!CALL_ID.matcher(raw).matches()) {
            throw new BadRequest("a call id is a lower-case UUID, as callUser's ack and incomingCall give it");
        }
        return raw;
    }

    /** A user id from a path segment: percent-decoded, 1 to 256 characters, no control characters. */
    private static String userId(String raw) {
        String id;
        try {
            // a path segment: '+' is itself, not a space as in a form
            id = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("the user id is not valid percent-encoding");
        }
        if (id.isEmpty() || id.length() > Requests.MAX_USER_ID_LENGTH || id.chars().anyMatch(Character::isISOControl)) {
            throw new BadRequest("a user id is 1 to " + Requests.MAX_USER_ID_LENGTH
                    + " characters without control characters, percent-encoded in the path");
        }
        return id;
    }

    /** The request's path as it may be logged: still percent-encoded (no line breaks), and cut short. */
    private static String loggable(HttpExchange ex) {
        String path = ex.getRequestURI().getRawPath();
        return path.length() <= MAX_LOGGED_PATH ? path : path.substring(0, MAX_LOGGED_PATH) + "...";
    }

    private static String address(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        String host = ip == null ? a.getHostString() : ip.getHostAddress();
        return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private void error(HttpExchange ex, int status, String message) throws IOException {
        send(ex, status, json.createObjectNode().put("error", message));
    }

    private void send(HttpExchange ex, int status, ObjectNode body) throws IOException {
        OpsHttpServer.send(ex, status, JSON, json.writeValueAsBytes(body));
    }

    /** The resources under {@code /admin/}, each with the one method it takes. */
    private enum Route {
        CALLS("GET"), CALL("DELETE"), USER("GET"), USER_SOCKETS("DELETE"), ALLOCATIONS("GET");

        final String method;

        Route(String method) {
            this.method = method;
        }

        /** The route of a path's segments after {@code /admin/}, or null. */
        static Route of(String[] path) {
            if (Arrays.asList(path).contains("")) {
                return null;
            }
            return switch (path[0]) {
                case "calls" -> path.length == 1 ? CALLS : path.length == 2 ? CALL : null;
                case "users" -> path.length == 2 ? USER : path.length == 3 && path[2].equals("sockets") ? USER_SOCKETS : null;
                case "allocations" -> path.length == 1 ? ALLOCATIONS : null;
                default -> null;
            };
        }
    }

    /** A request the API cannot take as it is: answered 400 with the message. */
    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
