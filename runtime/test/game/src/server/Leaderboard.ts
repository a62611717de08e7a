/**
 * The weekly leaderboard of arena wins: a MemoryStore sorted map per week (keyed by user id, sorted by wins), whose
 * entries expire a day after the week ends.
 */
import { MemoryStoreService } from "@rbxts/services";

const WEEK = 7 * 24 * 3600;

export function weekNumber(unixSeconds = os.time()) {
	return math.floor(unixSeconds / WEEK);
}

function board(week = weekNumber()) {
	return MemoryStoreService.GetSortedMap(`WeeklyWins_${week}`);
}

/** Adds a win for the user this week; returns their wins this week. */
export function recordWin(userId: number) {
	const week = weekNumber();
	const expiresIn = (week + 1) * WEEK - os.time() + 24 * 3600;
	let wins = 0;
	board(week).UpdateAsync(
		tostring(userId),
		(old) => {
			wins = ((old as number | undefined) ?? 0) + 1;
			return $tuple(wins, wins);
		},
		expiresIn,
	);
	return wins;
}

/** The week's best, most wins first. */
export function top(count: number, week = weekNumber()) {
	return board(week)
		.GetRangeAsync(Enum.SortDirection.Descending, count)
		.map((entry) => ({ userId: tonumber(entry.key)!, wins: entry.value as number }));
}
