/**
 * The arena: players arrive by teleport with the match in their join data. When the whole match is in (or after a
 * timeout) a round starts: the timer counts down to the clients every second, crystals score, and at the end the
 * winner gets a win on their profile, on the weekly leaderboard and, the first time, a badge; then everyone goes back
 * to the lobby they came from.
 */
import { BadgeService, Players, ReplicatedStorage, TeleportService } from "@rbxts/services";
import { ARRIVAL_TIMEOUT, FIRST_WIN_BADGE_ID, ROUND_SECONDS } from "shared/Config";
import { collected } from "./Crystals";
import { addWin } from "./Data";
import { recordWin } from "./Leaderboard";
import type { MatchData } from "./Matchmaking";
import { Remotes } from "./Remotes";

export const state = new Instance("StringValue");
state.Name = "RoundState";
state.Value = "Waiting";

const expected = new Set<number>();
let sourcePlaceId: number | undefined;
const scores = new Map<Player, number>();

function onArrival(player: Player) {
	const join = player.GetJoinData();
	const match = join.TeleportData as MatchData | undefined;
	match?.members.forEach((userId) => expected.add(userId));
	sourcePlaceId ??= join.SourcePlaceId;
}

function everyoneHere() {
	if (expected.isEmpty()) return false;
	for (const userId of expected) if (!Players.GetPlayerByUserId(userId)) return false;
	return true;
}

function winner() {
	let best: Player | undefined;
	let bestScore = 0;
	for (const player of Players.GetPlayers()) {
		const score = scores.get(player) ?? 0;
		if (score > bestScore) [best, bestScore] = [player, score];
	}
	return best;
}

function round() {
	state.Value = "Running";
	collected.Event.Connect((player) => scores.set(player, (scores.get(player) ?? 0) + 1));
	for (let left = ROUND_SECONDS; left > 0; left--) {
		Remotes.RoundTimer.FireAllClients(left);
		task.wait(1);
	}
	const best = winner();
	if (best) {
		addWin(best);
		pcall(recordWin, best.UserId);
		pcall(() => BadgeService.AwardBadge(best.UserId, FIRST_WIN_BADGE_ID));
	}
	// The result is announced once the rewards are recorded.
	Remotes.RoundResult.FireAllClients(best?.Name);
	state.Value = "Ended";
	task.wait(5);
	const players = Players.GetPlayers();
	if (sourcePlaceId !== undefined && !players.isEmpty()) TeleportService.TeleportAsync(sourcePlaceId, players);
}

export function start() {
	state.Parent = ReplicatedStorage;
	Players.PlayerAdded.Connect(onArrival);
	Players.GetPlayers().forEach(onArrival);
	task.spawn(() => {
		const started = os.clock();
		while (!everyoneHere() && os.clock() - started < ARRIVAL_TIMEOUT) task.wait(0.5);
		round();
	});
}
