package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.protocol.JacksonJsonSupport;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * netty-socketio's JSON support, but writing {@code null} members instead of dropping them:
 * offers, answers and candidates are relayed as the client sent them ({@code sdpMid: null} is
 * meaningful to RTCPeerConnection), and the seed's server keeps them too.
 */
public final class VerbatimJsonSupport extends JacksonJsonSupport {

    @Override
    protected void init(ObjectMapper objectMapper) {
        super.init(objectMapper);
        objectMapper.setSerializationInclusion(Include.ALWAYS);
    }
}
