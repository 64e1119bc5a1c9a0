package dev.dialtone.signaling.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConnectGateTest {

    @Test
    void aBareConnectGetsAnEmptyAuthObject() {
        assertEquals("40{}", rewrite("40"));
    }

    @Test
    void aBareConnectInsideAPollingBatchIsFoundToo() {
        assertEquals("40{}\u001e42[\"callUser\",{}]", rewrite("40\u001e42[\"callUser\",{}]"));
    }

    @Test
    void connectsWithAuthAndOtherPacketsAreLeftAlone() {
        assertNull(rewrite("40{\"token\":\"x\"}"));
        assertNull(rewrite("42[\"callUser\",\"40\"]"));
        assertNull(rewrite("40/chat,"));
    }

    private static String rewrite(String payload) {
        ByteBuf fixed = ConnectGate.withAuthOnBareConnect(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8));
        if (fixed == null) {
            return null;
        }
        try {
            return fixed.toString(StandardCharsets.UTF_8);
        } finally {
            fixed.release();
        }
    }
}
