/**
 * Lobby matchmaking: players who ask to play join a MemoryStore queue shared by every lobby server. Each lobby
 * polls it; the one that reads MATCH_SIZE players reserves an arena server and announces the match on
 * MessagingService, and every lobby teleports its own matched players there with the match as teleport data. A
 * teleport that fails to start is retried with the options TeleportInitFailed gives, a few times.
 */
import { MemoryStoreService, MessagingService, Players, TeleportService } from "@rbxts/services";
import { ARENA_PLACE_ID, MATCH_SIZE, MATCH_TOPIC, QUEUE_NAME } from "shared/Config";
import { Remotes } from "./Remotes";

const queue = MemoryStoreService.GetQueue(QUEUE_NAME, 30);
const QUEUE_TTL = 300;
const MAX_RETRIES = 3;

interface Match {
	matchId: string;
	code: string;
	members: number[];
}
export type MatchData = Omit<Match, "code">;

const queued = new Set<number>();
const retries = new Map<number, number>();

function join(player: Player) {
	if (queued.has(player.UserId)) return;
	queued.add(player.UserId);
	queue.AddAsync(player.UserId, QUEUE_TTL);
}

/** Reads one match from the queue, if enough players wait; returns whether it made one. */
export function matchOnce() {
	const [items, readId] = queue.ReadAsync(MATCH_SIZE, true, 0);
	if (items.size() < MATCH_SIZE) return false;
	const [code] = TeleportService.ReserveServer(ARENA_PLACE_ID);
	const match: Match = { matchId: readId, code, members: items as number[] };
	MessagingService.PublishAsync(MATCH_TOPIC, match);
	queue.RemoveAsync(readId);
	return true;
}

function teleportMatched(match: Match) {
	const players = new Array<Player>();
	for (const userId of match.members) {
		const player = Players.GetPlayerByUserId(userId);
		if (player) players.push(player);
	}
	if (players.isEmpty()) return;
	players.forEach((player) => queued.delete(player.UserId));
	const options = new Instance("TeleportOptions");
	options.ReservedServerAccessCode = match.code;
	const data: MatchData = { matchId: match.matchId, members: match.members };
	options.SetTeleportData(data);
	TeleportService.TeleportAsync(ARENA_PLACE_ID, players, options);
}

export function start() {
	Remotes.JoinQueue.OnServerEvent.Connect(join);
	MessagingService.SubscribeAsync(MATCH_TOPIC, (message) => teleportMatched(message.Data as Match));
	TeleportService.TeleportInitFailed.Connect((player, result, _message, placeId, options) => {
		const tries = (retries.get(player.UserId) ?? 0) + 1;
		retries.set(player.UserId, tries);
		if (tries > MAX_RETRIES || result === Enum.TeleportResult.Unauthorized) return;
		task.wait(2 ^ tries);
		TeleportService.TeleportAsync(placeId, [player], options);
	});
	task.spawn(() => {
		for (;;) {
			const [ok] = pcall(matchOnce);
			task.wait(ok ? 2 : 5);
		}
	});
}
