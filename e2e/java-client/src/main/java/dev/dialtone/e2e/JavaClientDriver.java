package dev.dialtone.e2e;

import io.socket.client.Ack;
import io.socket.client.IO;
import io.socket.client.Socket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.json.JSONArray;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * Drives the Java Socket.IO client for e2e/test/clients.test.js: one JSON command per line on
 * stdin, one JSON report per line on stdout (the protocol is described in e2e/clients.js). Every
 * socket uses the client's defaults (its shared OkHttp client and pool), as an app would;
 * reconnection is off, so a refused or dropped socket stays so.
 */
public final class JavaClientDriver {

    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private static final Map<String, Socket> SOCKETS = new ConcurrentHashMap<>();

    private JavaClientDriver() {
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            JSONObject cmd = new JSONObject(line);
            String sock = cmd.getString("sock");
            switch (cmd.getString("cmd")) {
                case "connect" -> connect(sock, cmd);
                case "emit" -> emit(sock, cmd);
                case "close" -> {
                    SOCKETS.remove(sock).close();
                    report(sock, "closed", Map.of());
                }
                default -> throw new IllegalArgumentException("unknown command " + cmd.getString("cmd"));
            }
        }
        SOCKETS.values().forEach(Socket::close);
        System.exit(0);
    }

    private static void connect(String sock, JSONObject cmd) throws Exception {
        IO.Options options = IO.Options.builder()
                .setForceNew(true)
                .setReconnection(false)
                .setTransports(toStrings(cmd.getJSONArray("transports")))
                .build();
        JSONObject auth = cmd.optJSONObject("auth");
        if (auth != null) {
            options.auth = Map.of("token", auth.getString("token"));
        }
        Socket socket = IO.socket(new URI(cmd.getString("url")), options);
        SOCKETS.put(sock, socket);
        socket.on(Socket.EVENT_CONNECT, a -> report(sock, "connected", Map.of()));
        socket.on(Socket.EVENT_CONNECT_ERROR, a -> report(sock, "connect_error",
                Map.of("message", a.length > 0 && a[0] instanceof JSONObject o ? o.optString("message")
                        : a.length > 0 ? String.valueOf(a[0]) : "")));
        socket.on(Socket.EVENT_DISCONNECT, a -> report(sock, "disconnect", Map.of()));
        socket.onAnyIncoming(a -> report(sock, "event",
                Map.of("name", a[0], "data", a.length > 1 ? a[1] : JSONObject.NULL)));
        socket.connect();
    }

    private static void emit(String sock, JSONObject cmd) throws JSONException {
        Socket socket = SOCKETS.get(sock);
        String event = cmd.getString("event");
        Object data = cmd.opt("data");
        if (cmd.isNull("ack")) {
            socket.emit(event, data);
            return;
        }
        Object id = cmd.get("ack");
        socket.emit(event, new Object[] {data}, (Ack) a ->
                report(sock, "ack", Map.of("id", id, "data", a.length > 0 ? a[0] : JSONObject.NULL)));
    }

    private static void report(String sock, String type, Map<String, Object> fields) {
        JSONObject line = new JSONObject(new HashMap<>(fields));
        try {
            line.put("sock", sock).put("type", type);
        } catch (JSONException e) {
            throw new IllegalStateException(e);
        }
        synchronized (OUT) {
            OUT.println(line);
        }
    }

    private static String[] toStrings(JSONArray array) throws JSONException {
        String[] out = new String[array.length()];
        for (int i = 0; i < array.length(); i++) {
            out[i] = array.getString(i);
        }
        return out;
    }
}
