package dev.dialtone.signaling.call;

import java.util.List;

/**
 * Takes the {@link CallEvent}s of one switchboard decision. {@link #publish} is called under the
 * switchboard's lock, so decisions reach it in the order they were taken, and must be quick and
 * never throw; the switchboard then releases the lock and waits on the {@link Receipt} before the
 * decision's socket events go out and its request is acknowledged, so that what the sink keeps is
 * kept before anyone hears of the decision, without slow storage holding up other decisions.
 */
@FunctionalInterface
public interface CallEventSink {

    Receipt publish(List<CallEvent> events);

    /** What was published is kept once {@link #await} returns. */
    @FunctionalInterface
    interface Receipt {

        Receipt DONE = () -> { };

        /** Blocks until the events are kept (bounded); never throws. */
        void await();
    }
}
