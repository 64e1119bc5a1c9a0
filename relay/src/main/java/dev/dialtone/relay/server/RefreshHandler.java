package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.stun.StunRequest;
import java.time.Clock;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A Refresh request (RFC 8656 section 7.3). */
public final class RefreshHandler implements AllocationMethod {

    private static final Logger log = LoggerFactory.getLogger(RefreshHandler.class);

    private final AllocationTable allocations;
    private final Lifetimes lifetimes;
    private final Clock clock;

    public RefreshHandler(AllocationTable allocations, Lifetimes lifetimes, Clock clock) {
        this.allocations = allocations;
        this.lifetimes = lifetimes;
        this.clock = clock;
    }

    @Override
    public byte[] answer(Exchange exchange, StunRequest request, Allocation allocation) {
        Response response = Responses.success(exchange.type());
        // LIFETIME 0 deletes the allocation at once, and the answer says 0
        if (request.lifetime().isPresent() && request.lifetime().getAsInt() == 0) {
            allocations.remove(allocation);
            log.info("deleted {} on the client's request", allocation);
            response.putAttribute(AttributeFactory.createLifetimeAttribute(0));
            return exchange.reply(response);
        }
        // otherwise the lifetime starts again, as long as granted for an Allocate
        long lifetime = lifetimes.grantedMillis(request);
        allocation.refresh(clock.millis(), lifetime);
        response.putAttribute(AttributeFactory.createLifetimeAttribute((int) (lifetime / 1000)));
        return exchange.reply(response);
    }
}
