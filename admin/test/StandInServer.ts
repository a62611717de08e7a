/**
 * The Open Cloud stand-in as a program, to try profileservice-admin from a shell as the README shows:
 *
 *   npm run admin:standin [-- --port 8787]
 *
 * It starts a world of the offline runtime whose clock follows this machine's, with game servers running
 * examples/SupportEdits.ts and three players: 1001 played and left (released, a few revisions), 1002 is online
 * (held), 1003 was on a server that crashed 40 minutes ago (a dead lock). Then it serves the Open Cloud data store
 * API on 127.0.0.1 until Ctrl+C, printing what the game servers print.
 */
import { parseArgs } from "node:util";
import { ALL_SCOPES, UNIVERSE } from "./AdminFixture.js";
import { OpenCloudStandIn } from "./OpenCloudStandIn.js";
import { WorldSession } from "./WorldSession.js";

const { values } = parseArgs({ options: { port: { type: "string", default: "8787" } }, strict: true });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
	process.stderr.write(`stand-in: --port must be a port number, not "${values.port}"\n`);
	process.exit(2);
}

/** Virtual time 0 is this long before now, so the scenario's past (and a 40-minute-old crash) is behind us. */
const HISTORY_SECONDS = 45 * 60;
const epoch = Math.floor(Date.now() / 1000) - HISTORY_SECONDS;
const say = (line: string) => process.stdout.write(`${line}\n`);

say("stand-in: starting the world (game servers, DataStore) ...");
const world = await WorldSession.start({
	epoch,
	onOutput: (line) => {
		if (!line.includes("[ProfileService]")) return;
		say(`  game: ${line.trim()}`);
	},
});
const step = async (op: string, fields: Record<string, unknown> = {}) => world.command(op, fields);

await step("startServer", { name: "Crashed" });
await step("join", { server: "Crashed", userId: 1003 });
await step("advance", { seconds: 60 });
await step("crash", { server: "Crashed" });
await step("startServer", { name: "Game" });
await step("join", { server: "Game", userId: 1001 });
for (const amount of [15, 25]) {
	await step("giveCoins", { server: "Game", userId: 1001, amount });
	await step("advance", { seconds: 31 });
}
await step("leave", { server: "Game", userId: 1001 });
await step("join", { server: "Game", userId: 1002 });
await step("giveCoins", { server: "Game", userId: 1002, amount: 10 });

// Catch up with this machine's clock, then follow it.
const catchUp = () => Date.now() / 1000 - epoch - world.now;
await world.advance(Math.max(0, catchUp()));
let stopping = false;
const pump = (async () => {
	while (!stopping) {
		const behind = catchUp();
		if (behind > 0.05) await world.advance(behind);
		await new Promise((done) => setTimeout(done, 50));
	}
})();

const standIn = new OpenCloudStandIn(world, UNIVERSE, [
	{ key: "support-key", scopes: ALL_SCOPES },
	{ key: "read-only-key", scopes: ["universe-datastores.objects:read", "universe-datastores.versions:list"] },
]);
const url = await standIn.listen(port);
say(`stand-in: Open Cloud data store API on ${url}, universe ${UNIVERSE}`);
say("  API keys: support-key (every data store permission), read-only-key (objects:read, versions:list)");
say(
	'  data store "PlayerData": Player_1001 offline, Player_1002 online (held), Player_1003 dead lock (server crashed)',
);
say("  try:");
say("    export OPEN_CLOUD_API_KEY=support-key");
say(`    npx profileservice-admin view PlayerData Player_1002 --universe ${UNIVERSE} --base-url ${url}`);
say("  Ctrl+C stops it.");

process.on("SIGINT", () => {
	stopping = true;
	say("\nstand-in: stopping");
	void pump
		.then(() => standIn.close())
		.then(() => world.stop())
		.then(() => process.exit(0));
});
