/**
 * `npm run demo`: two game servers and an admin server on the offline runtime, over its in-memory DataStore.
 * Players join, earn coins and buy an item; one hops servers; a gift arrives from the admin server; a server
 * crashes and its player comes back. Prints a timeline in virtual seconds, then every profile as stored.
 */
import Runtime, { type SimServer } from "../test/Runtime";
import type * as GameModule from "./Game";

type Game = typeof GameModule;

// The name the game uses for its ProfileStore (kept here: the Game module loads only inside servers).
const STORE_NAME = "DemoPlayerData";

function stamp() {
	return "[t=%6.1fs]".format(Runtime.now());
}

function startGame(name: string): [SimServer, Game] {
	const server = Runtime.startServer({ name });
	const gameModule = server.require<Game>("ServerScriptService/Demo/Game");
	server.call(() => gameModule.start((message) => Runtime.output(`${stamp()} ${name.format()}: ${message}`)));
	Runtime.output(`${stamp()} server ${name} starts (JobId ${server.jobId.sub(1, 8)}…)`);
	return [server, gameModule];
}

function note(message: string) {
	Runtime.output(`${stamp()} — ${message}`);
}

export = () => {
	Runtime.setTimeLimit(3600);
	Runtime.output(
		"ProfileService demo: two game servers and an admin server on the offline runtime, over its in-memory DataStore\n",
	);
	const [alpha, alphaGame] = startGame("Alpha");
	const [beta, betaGame] = startGame("Beta");
	const [admin, adminGame] = startGame("Admin");

	const alice = alpha.addPlayer(101, "Alice");
	const bob = alpha.addPlayer(202, "Bob");
	Runtime.waitUntil(() => alphaGame.profiles.size() === 2, 30, "both profiles");

	note("a minute of play on Alpha: everyone earns 10 coins every 10 s");
	for (let i = 0; i < 6; i++) {
		alpha.call(() => alphaGame.payEveryone(10));
		Runtime.wait(10);
	}

	note("Alice buys a Golden Sword (developer product)");
	const decision = alpha.processReceipt({
		PlayerId: 101,
		PurchaseId: "receipt-0001",
		ProductId: 1,
		PlaceIdWherePurchased: alpha.placeId,
		CurrencySpent: 99,
	} as unknown as ReceiptInfo);
	note(`ProcessReceipt answered ${decision}`);

	note("Bob teleports from Alpha to Beta: he leaves Alpha and joins Beta at once");
	alpha.removePlayer(bob);
	const bobOnBeta = beta.addPlayer(202, "Bob");
	const hopStart = Runtime.now();
	Runtime.waitUntil(() => betaGame.profiles.has(bobOnBeta), 120, "Bob on Beta");
	note(`Bob plays on Beta ${"%.1f".format(Runtime.now() - hopStart)} s after joining`);
	beta.call(() => betaGame.payEveryone(25));

	note("the admin server sends Alice a Crown");
	admin.call(() => adminGame.sendGift(101, "Crown", "Admin"));
	Runtime.waitUntil(() => alphaGame.profiles.get(alice)?.Data.Items.includes("Crown") === true, 120, "gift");

	alpha.call(() => alphaGame.payEveryone(5)); // never saved: Alpha crashes before its next auto-save
	note(
		"Alpha has the Crown and 5 more coins in Alice's data in memory only: the save that would store them (and " +
			"clear the gift) has not happened yet",
	);
	note("server Alpha crashes with Alice on it");
	alpha.crash();
	const aliceOnBeta = beta.addPlayer(101, "Alice");
	const crashStart = Runtime.now();
	note(
		"Alice rejoins on Beta; Alpha answers none of Beta's hand-off requests, so Beta takes the lock once it is 40 s stale",
	);
	Runtime.waitUntil(() => betaGame.profiles.has(aliceOnBeta), 600, "Alice on Beta");
	note(`Alice plays again, ${"%.1f".format(Runtime.now() - crashStart)} s after rejoining`);
	note(
		"Beta delivers the Crown gift again: the copy Alpha took in was lost with Alpha, unsaved, and the gift stayed " +
			"pending in the store. A gift is cleared in the same save that stores it, so the stored data ends up " +
			"with exactly one Crown (see the final stored profiles)",
	);

	note("Beta shuts down: every profile is saved and released");
	beta.shutdown();
	admin.shutdown();

	Runtime.output("\nFinal stored profiles:");
	for (const [name, userId] of [
		["Alice", 101],
		["Bob", 202],
	] as const) {
		const [value, info] = Runtime.store().get(STORE_NAME, undefined, `Player_${userId}`);
		const data = value as {
			Data: { Coins: number; Items: string[] };
			MetaData: { SessionLoadCount: number; ActiveSession?: unknown };
		};
		Runtime.output(
			`  ${name}: ${data.Data.Coins} coins, items [${data.Data.Items.join(", ")}], loaded ${data.MetaData.SessionLoadCount} times, ` +
				`lock ${data.MetaData.ActiveSession === undefined ? "released" : "held"}, user ids [${info!.userIds.join(", ")}]`,
		);
	}
};
