package dev.dialtone.signaling.warmup;

import java.util.StringJoiner;

/**
 * What the warm-up's calls carry, as JSON: an offer and an answer the size and shape of a
 * browser's audio and video session description (about 4 KB, CRLF lines, so the escapes are
 * scanned as in real traffic), and a host candidate. Documentation addresses only (RFC 5737).
 */
record WarmupSdp(String offer, String answer, String candidate) {

    static WarmupSdp typical() {
        return new WarmupSdp(description("offer", 24), description("answer", 22),
                "{\"candidate\":\"candidate:842163049 1 udp 1677729535 192.0.2.10 50362 typ srflx raddr 0.0.0.0"
                        + " rport 0 generation 0 ufrag Xh3k network-cost 999\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}");
    }

    private static String description(String type, int codecs) {
        StringJoiner sdp = new StringJoiner("\\r\\n", "", "\\r\\n");
        sdp.add("v=0").add("o=- 4611731400430051336 2 IN IP4 127.0.0.1").add("s=-").add("t=0 0")
                .add("a=group:BUNDLE 0 1").add("a=extmap-allow-mixed").add("a=msid-semantic: WMS stream");
        for (String media : new String[] {"audio", "video"}) {
            sdp.add("m=" + media + " 9 UDP/TLS/RTP/SAVPF 111 96 97 98 99 100 101 102")
                    .add("c=IN IP4 0.0.0.0").add("a=rtcp:9 IN IP4 0.0.0.0")
                    .add("a=ice-ufrag:Xh3k").add("a=ice-pwd:9mUJ2zCkqvWbM7y0ReYiq1Ha").add("a=ice-options:trickle")
                    .add("a=fingerprint:sha-256 8B:1E:58:2C:7A:9F:3D:44:01:BE:C2:76:93:0D:5A:E1:"
                            + "4F:66:28:B7:90:DA:3C:15:72:8E:A4:0B:D9:61:E3:2F")
                    .add("a=setup:" + (type.equals("offer") ? "actpass" : "active"))
                    .add("a=mid:" + (media.equals("audio") ? "0" : "1")).add("a=sendrecv").add("a=rtcp-mux");
            for (int pt = 96; pt < 96 + codecs; pt++) {
                sdp.add("a=rtpmap:" + pt + " " + (media.equals("audio") ? "opus/48000/2" : "VP8/90000"))
                        .add("a=rtcp-fb:" + pt + " nack pli")
                        .add("a=fmtp:" + pt + " minptime=10;useinbandfec=1;level-asymmetry-allowed=1");
            }
        }
        return "{\"type\":\"" + type + "\",\"sdp\":\"" + sdp + "\"}";
    }
}
