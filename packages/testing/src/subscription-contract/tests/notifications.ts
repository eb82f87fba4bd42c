import { expect } from "vitest";
import { events, waitUntil } from "../helpers.js";
import { defineSubscriptionTests } from "../subscription-contract-test.js";

/** Notifications: another adapter's saves wake a listener. */
export const notificationTests = defineSubscriptionTests("notifications", {
  "notifications.listen-hears-saves-until-stopped": {
    requires: ["notifications"],
    run: async (context) => {
      const listening = await context.createAdapter();
      // Durable storage is written through a second adapter, as another process would.
      const writer = context.capabilities.durable ? await context.createAdapter() : listening;
      const support = listening.subscriptions;
      if (support?.listen === undefined) throw new Error("capabilities.subscriptions.notifications is true but listen is missing");
      let hints = 0;
      const stop = await support.listen(() => {
        hints++;
      });
      await writer.save([{ target: { type: "stream", category: "pings", stream: "a" }, events: events(1) }]);
      await waitUntil(() => hints > 0, "a hint arrives for a save after listen resolved");
      await stop();
      await stop();
      const before = hints;
      await writer.save([{ target: { type: "stream", category: "pings", stream: "a" }, events: events(1) }]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(hints, "no hints after stopping").toBe(before);
    },
  },
});
