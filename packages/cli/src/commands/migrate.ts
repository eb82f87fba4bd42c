import { CliError } from "../cli-error.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";

/** `chronicle migrate`: creates or upgrades the store's schema; running it again changes nothing. */
export async function migrate(options: { url?: string }, context: CommandContext): Promise<void> {
  await withStore(options.url, "--url", {}, async ({ adapter, display }) => {
    if (typeof adapter.migrate !== "function") throw new CliError(`the store at ${display} has no schema to migrate`);
    await adapter.migrate();
    context.out.write(`The event store at ${display} is up to date.\n`);
  });
}
