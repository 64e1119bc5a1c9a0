package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.protocol.JacksonJsonSupport;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.netty.buffer.ByteBufInputStream;
import java.io.IOException;

/**
 * netty-socketio's JSON support with two changes for a server that forwards what clients send:
 * {@code null} members are written instead of dropped ({@code sdpMid: null} is meaningful to
 * RTCPeerConnection, and the seed's server keeps them too), and offers, answers and candidates
 * are passed through as the client's bytes ({@link OpaqueMembers}).
 */
public final class VerbatimJsonSupport extends JacksonJsonSupport {

    /** A reader per payload class: resolving the class's type on every read costs more than the rest of the lookup. */
    private final ClassValue<ObjectReader> readers = new ClassValue<>() {
        @Override
        protected ObjectReader computeValue(Class<?> type) {
            return objectMapper.readerFor(type);
        }
    };

    @Override
    protected void init(ObjectMapper objectMapper) {
        super.init(objectMapper);
        objectMapper.setSerializationInclusion(Include.ALWAYS);
        objectMapper.registerModule(new SimpleModule("opaque-members").addDeserializer(Object.class, new OpaqueMembers()));
    }

    @Override
    public <T> T readValue(String namespaceName, ByteBufInputStream src, Class<T> valueType) throws IOException {
        // One copy of the packet, parsed where it lies: the members cut out of it are slices of
        // one array, and Jackson reads the array itself rather than copying it through a stream.
        byte[] packet = new byte[src.available()];
        src.readFully(packet);
        OpaqueMembers.source.set(packet);
        try {
            namespaceClass.set(namespaceName);
            return valueType.cast(readers.get(valueType).readValue(packet));
        } finally {
            OpaqueMembers.source.remove();
        }
    }
}
