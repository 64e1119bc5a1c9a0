package dev.dialtone.server.edge;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP of one edge connection, passed on: Socket.IO ({@code /socket.io/}) to the signaling port,
 * the test-call page and {@code /healthz} to the HTTP port, anything else (metrics, the admin API)
 * answered 404 here. The request head is read (bounded) to route it and to put the
 * {@link EdgeStamp} in; its body and the response pass through untouched, and the client's Host
 * header is kept, so that the signaling service names the host the client reached in its
 * {@code iceServers}. One request per connection, as the ports behind answer anyway (netty-socketio
 * closes after every long-polling response; the HTTP port is asked to with {@code Connection:
 * close}): nothing reaches a port that the edge has not routed, and responses cannot overtake one
 * another. A websocket upgrade (or a chunked body) ties the connection to the signaling port for
 * good; the HTTP port gets neither.
 */
final class HttpForwarding {

    private static final Logger log = LoggerFactory.getLogger(HttpForwarding.class);
    private static final int MAX_HEAD = 16 * 1024;
    /**
     * What one read passes on: a 4 KB offer with its Socket.IO envelope in one piece. Each open
     * websocket holds one per direction while it waits, where {@code transferTo} would hold 16 KiB.
     */
    private static final int COPY_BUFFER = 8 * 1024;
    /** Reads from either side: a websocket is pinged every 25 s, a long poll waits at most 45 s. */
    private static final int IDLE_MILLIS = 120_000;
    private static final int CONNECT_MILLIS = 5_000;
    /** The test-call page's files (StaticFiles): a few path segments, none starting with a dot. */
    private static final Pattern PAGE_FILE =
            Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){1,4}\\.(html|js|css|json|svg|png|ico|map)");

    private final InetSocketAddress signaling;
    private final InetSocketAddress page;
    private final EdgeStamp stamp;
    private final EdgeCounters counters;

    HttpForwarding(InetSocketAddress signaling, InetSocketAddress page, EdgeStamp stamp, EdgeCounters counters) {
        this.signaling = signaling;
        this.page = page;
        this.stamp = stamp;
        this.counters = counters;
    }

    /** Where a request for {@code path} goes; null for paths the edge does not serve. */
    InetSocketAddress route(String path) {
        if (path.equals("/socket.io") || path.startsWith("/socket.io/")) {
            return signaling;
        }
        if (path.equals("/") || path.equals("/healthz") || path.equals("/readyz") || path.equals("/config.json")
                || path.equals("/dev/token") || PAGE_FILE.matcher(path).matches()) {
            return page;
        }
        return null;
    }

    /**
     * Serves the connection's request; returns once the response is through (or, after an upgrade,
     * when either side closes).
     *
     * @param client       the accepted socket: its addresses, its read timeout, its close
     * @param in           its plaintext, after {@code head}
     * @param out          where its plaintext goes
     * @param head         bytes already read from {@code in}
     * @param firstHeadRead called once the request head is complete; false: give up (too late)
     */
    void serve(Socket client, InputStream in, OutputStream out, byte[] head, boolean tls, BooleanSupplier firstHeadRead)
            throws IOException {
        client.setSoTimeout(IDLE_MILLIS);
        Head reader = new Head(new SequenceInputStream(new ByteArrayInputStream(head), in));
        Request request;
        try {
            request = reader.read();
        } catch (BadRequest e) {
            if (firstHeadRead.getAsBoolean()) {
                counters.refused(EdgeCounters.Refusal.BAD_HTTP);
                answer(out, e.status, e.getMessage());
            }
            return;
        }
        if (!firstHeadRead.getAsBoolean() || request == null) {
            return;
        }
        InetSocketAddress target = route(request.path());
        if (target == null) {
            answer(out, "404 Not Found", "not found");
            return;
        }
        if (request.tiesConnection() && target != signaling) {
            counters.refused(EdgeCounters.Refusal.BAD_HTTP);
            answer(out, "400 Bad Request", "no upgrade or chunked body here");
            return;
        }
        String line = stamp.line((InetSocketAddress) client.getRemoteSocketAddress(),
                (InetSocketAddress) client.getLocalSocketAddress(), tls);
        try (Socket backend = new Socket()) {
            backend.setTcpNoDelay(true);
            backend.setSoTimeout(IDLE_MILLIS);
            backend.connect(target, CONNECT_MILLIS);
            OutputStream up = backend.getOutputStream();
            up.write(request.rewritten(line, target == page));
            if (request.tiesConnection()) {
                Thread.ofVirtual().name("edge-upstream").start(() -> upstream(reader, up, client, backend));
            } else {
                reader.body(request.contentLength(), up);
            }
            copy(backend.getInputStream(), out);
        }
    }

    /** After an upgrade: what the client sends, until either side closes. */
    private static void upstream(Head reader, OutputStream out, Socket client, Socket backend) {
        try {
            reader.rest(out);
        } catch (IOException e) {
            log.debug("edge: client -> {} ended: {}", backend.getRemoteSocketAddress(), e.toString());
        }
        try {
            backend.close();
            client.close();
        } catch (IOException e) {
            log.debug("edge: closing: {}", e.toString());
        }
    }

    /** Everything {@code in} gives until it ends, to {@code out}. */
    private static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
        }
    }

    private static void answer(OutputStream out, String status, String body) throws IOException {
        byte[] text = (body + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + text.length + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(text);
        out.flush();
    }

    /** A request head too large or not HTTP/1.x. */
    private static final class BadRequest extends IOException {

        final String status;

        BadRequest(String status, String message) {
            super(message);
            this.status = status;
        }
    }

    /**
     * One request head.
     *
     * @param lines the head without its final empty line
     */
    private record Request(String[] lines, String path, long contentLength, boolean tiesConnection) {

        /**
         * The head with the edge's header in place of any the client sent, and with
         * {@code Connection: close} in place of the client's when {@code close}.
         */
        byte[] rewritten(String stampLine, boolean close) {
            StringBuilder out = new StringBuilder(lines[0]).append("\r\n").append(stampLine);
            if (close) {
                out.append("Connection: close\r\n");
            }
            for (int i = 1; i < lines.length; i++) {
                String name = name(lines[i]);
                if (!name.equalsIgnoreCase(EdgeStamp.HEADER) && !(close && name.equalsIgnoreCase("Connection"))) {
                    out.append(lines[i]).append("\r\n");
                }
            }
            return out.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        static String name(String line) {
            int colon = line.indexOf(':');
            return colon < 0 ? "" : line.substring(0, colon).trim();
        }

        static Request parse(String text) throws BadRequest {
            String[] lines = text.split("\r\n");
            String[] start = lines[0].split(" ");
            if (start.length != 3 || !start[2].startsWith("HTTP/1.") || !start[1].startsWith("/")) {
                throw new BadRequest("400 Bad Request", "not an HTTP/1.x request");
            }
            int query = start[1].indexOf('?');
            String path = query < 0 ? start[1] : start[1].substring(0, query);
            long length = -1;
            boolean ties = false;
            for (int i = 1; i < lines.length; i++) {
                String name = name(lines[i]);
                String value = lines[i].substring(lines[i].indexOf(':') + 1).trim();
                if (name.isEmpty()) {
                    throw new BadRequest("400 Bad Request", "malformed header line");
                } else if (name.equalsIgnoreCase("Content-Length")) {
                    long given;
                    try {
                        given = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new BadRequest("400 Bad Request", "bad Content-Length");
                    }
                    // two different lengths: the port behind might take the other one (request smuggling)
                    if (given < 0 || length >= 0 && given != length) {
                        throw new BadRequest("400 Bad Request", "bad Content-Length");
                    }
                    length = given;
                } else if (name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Upgrade")) {
                    ties = true;
                }
            }
            return new Request(lines, path, Math.max(0, length), ties);
        }
    }

    /** A request head read from a client, and the bytes after it. */
    private static final class Head {

        private final InputStream in;
        /** Grows to {@link #MAX_HEAD} only for a client that sends large heads. */
        private byte[] buffer = new byte[2048];
        private int start;
        private int end;

        Head(InputStream in) {
            this.in = in;
        }

        /** The request head; null when the client closed before sending a byte of it. */
        Request read() throws IOException {
            int scanned = start;
            while (true) {
                for (int i = Math.max(start, scanned - 3); i + 3 < end; i++) {
                    if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') {
                        String text = new String(buffer, start, i - start, StandardCharsets.ISO_8859_1);
                        start = i + 4;
                        return Request.parse(text);
                    }
                }
                scanned = end;
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    scanned -= start;
                    end -= start;
                    start = 0;
                }
                if (end == buffer.length && buffer.length < MAX_HEAD) {
                    buffer = Arrays.copyOf(buffer, Math.min(MAX_HEAD, 2 * buffer.length));
                } else if (end == buffer.length) {
                    throw new BadRequest("431 Request Header Fields Too Large", "request head over " + MAX_HEAD + " bytes");
                }
                int n = in.read(buffer, end, buffer.length - end);
                if (n < 0) {
                    if (end == start) {
                        return null;
                    }
                    throw new BadRequest("400 Bad Request", "request head cut short");
                }
                end += n;
            }
        }

        /** Copies {@code length} body bytes. */
        void body(long length, OutputStream out) throws IOException {
            long left = length;
            int buffered = (int) Math.min(left, end - start);
            out.write(buffer, start, buffered);
            start += buffered;
            left -= buffered;
            byte[] chunk = left > 0 ? new byte[(int) Math.min(left, COPY_BUFFER)] : null;
            while (left > 0) {
                int n = in.read(chunk, 0, (int) Math.min(left, chunk.length));
                if (n < 0) {
                    throw new IOException("request body cut short");
                }
                out.write(chunk, 0, n);
                left -= n;
            }
        }

        /** Copies everything else the client sends. */
        void rest(OutputStream out) throws IOException {
            out.write(buffer, start, end - start);
            start = end;
            copy(in, out);
        }
    }
}
