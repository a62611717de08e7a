/**
 * Rolling a profile back: find the last version saved before an incident and write it as the latest. Run it from
 * an admin command while the player is offline; a server holding the profile would lose it at its next save.
 */
import ProfileService from "../src";

const store = ProfileService.GetProfileStore("PlayerData", { Coins: 0, LogInTimes: 0, Items: new Array<string>() });

/**
 * Restores the version of `profileKey` saved last before `before`. Yields. Returns the restored coins, or
 * undefined when no version is that old.
 */
export function rollBack(profileKey: string, before: DateTime): number | undefined {
	const query = store.ProfileVersionQuery(profileKey, Enum.SortDirection.Descending, undefined, before);
	const version = query.NextAsync();
	if (version === undefined) return undefined;
	// Gifts pending in the old version were delivered since; don't deliver them twice.
	version.ClearGlobalUpdates();
	version.OverwriteAsync();
	return version.Data.Coins;
}
