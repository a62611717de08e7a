/**
 * The world behind the Open Cloud stand-in (admin/test/OpenCloudStandIn.ts): game servers running the example game
 * of examples/SupportEdits.ts, which holds players' profiles and applies support edits, and the DataStore they
 * share. Node drives it through `Runtime.bridge`: each message is one command, answered once it is done, and the
 * world stands still between two commands, so the stand-in reads and writes the same DataStore the servers use,
 * between two steps of virtual time. Run with `runEngine({ command: "run", script: "ServerScriptService/AdminWorld/
 * StandInWorld", bridge })`; admin/test/WorldSession.ts is the Node side.
 */
import { HttpService } from "@rbxts/services";
import type * as SupportEdits from "../../examples/SupportEdits";
import Runtime, { type SimServer } from "../../test/Runtime";

interface Command {
	op: string;
	[field: string]: unknown;
}

interface Game {
	server: SimServer;
	edits: typeof SupportEdits;
	players: Map<number, Player>;
}

const games = new Map<string, Game>();

function gameNamed(name: unknown): Game {
	const place = games.get(tostring(name));
	if (place === undefined) error(`no game server named ${tostring(name)}`, 0);
	return place;
}

function playerOf(place: Game, userId: unknown): Player {
	const player = place.players.get(userId as number);
	if (player === undefined) error(`user ${tostring(userId)} is not on ${place.server.name}`, 0);
	return player;
}

function startGame(name: string, jobId?: string): unknown {
	const server = Runtime.startServer({ name, jobId });
	const edits = server.require<typeof SupportEdits>("ReplicatedStorage/Examples/SupportEdits");
	server.call(() => edits.start());
	games.set(name, { server, edits, players: new Map() });
	return { name, jobId: server.jobId, placeId: server.placeId };
}

function join(place: Game, userId: number): unknown {
	const player = place.server.addPlayer(userId, `Player${userId}`);
	place.players.set(userId, player);
	Runtime.waitUntil(() => place.edits.profiles.has(player), 60, `profile of ${userId} loaded`);
	return { loaded: true };
}

/** The profile as the server holding it has it now (not as stored). */
function live(place: Game, userId: number): unknown {
	const profile = place.edits.profiles.get(playerOf(place, userId));
	if (profile === undefined) return { loaded: false };
	return { loaded: true, Data: profile.Data, MetaTags: profile.MetaData.MetaTags };
}

function handle(command: Command): unknown {
	const store = Runtime.store();
	const scope = command.scope as string | undefined;
	const [name, key] = [command.store as string, command.key as string];
	switch (command.op) {
		case "hello":
			return {};
		case "advance":
			Runtime.wait(command.seconds as number);
			return {};
		case "hasServer":
			return games.has(command.name as string);
		case "startServer":
			return startGame(command.name as string, command.jobId as string | undefined);
		case "join":
			return join(gameNamed(command.server), command.userId as number);
		case "leave": {
			const place = gameNamed(command.server);
			place.server.removePlayer(playerOf(place, command.userId));
			place.players.delete(command.userId as number);
			return {};
		}
		case "giveCoins": {
			const place = gameNamed(command.server);
			place.edits.giveCoins(playerOf(place, command.userId), command.amount as number);
			return {};
		}
		case "live":
			return live(gameNamed(command.server), command.userId as number);
		case "crash":
			gameNamed(command.server).server.crash();
			return {};
		case "shutdown":
			gameNamed(command.server).server.shutdown();
			return {};
		case "logs":
			return gameNamed(command.server).server.logs();
		case "dsHistory":
			return store.rawHistory(name, scope, key);
		case "dsWrite":
			return {
				version: store.setRaw(
					name,
					scope,
					key,
					command.json as string,
					command.userIds as number[] | undefined,
					command.metadata as object | undefined,
				),
			};
		case "dsRemove":
			return { version: store.remove(name, scope, key) };
		case "dsKeys":
			return store.keys(name, scope);
		case "heartbeats":
			return Runtime.memoryStore().hashMap("ProfileService_Heartbeat");
	}
	error(`unknown command "${command.op}"`, 0);
}

export = () => {
	// Each answer says what time it is in the world, so that Node's clock can follow it.
	let answer = HttpService.JSONEncode({ ok: true, result: {}, now: Runtime.now(), unixMillis: Runtime.unixMillis() });
	for (;;) {
		const command = HttpService.JSONDecode(Runtime.bridge(answer)) as Command;
		if (command.op === "stop") return;
		const [ok, result] = pcall(() => handle(command));
		const reply = ok ? { ok: true, result } : { ok: false, error: tostring(result) };
		answer = HttpService.JSONEncode({ ...reply, now: Runtime.now(), unixMillis: Runtime.unixMillis() });
	}
};
