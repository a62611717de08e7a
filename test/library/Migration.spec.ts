/**
 * Game code written against the `@rbxts/profileservice` typings, migrated as the README's "Migrating" section says:
 * the service import changes, and `Profile` / `ViewProfile` from `@rbxts/profileservice/globals` come from this
 * package instead (those typings declare KeyInfo as a DataStoreKeyInfo Instance and MetaTagsUpdated as passing
 * ProfileMetaData, neither of which is what the library passes, so no faithful type can satisfy them). Everything
 * else compiles unchanged: `Profile<T, unknown>`, `ViewProfile<T>`, `ConnectParallel`. The specs run the code.
 */
// Before: import ProfileService from "@rbxts/profileservice";
import ProfileService from "../../src";
// Before: import type { Profile, ViewProfile } from "@rbxts/profileservice/globals";
import type { Profile, ViewProfile } from "../../src";
import { resetDefaults } from "./Fixtures";

const template = { Coins: 0, Inventory: new Array<string>() };
type Data = typeof template;

// Helpers a game wrote for the original typings, unchanged below the imports.
function grantCoins(profile: Profile<Data, unknown>, amount: number) {
	profile.Data.Coins += amount;
}
function coinsOf(view: ViewProfile<Data>) {
	return view.Data.Coins;
}
function onTagsUpdated(profile: Profile<Data>, listener: () => void) {
	return profile.MetaTagsUpdated.ConnectParallel(listener);
}

// Types as a game names them, now from this package.
type Loaded = Profile<Data, unknown>;
type Viewed = ViewProfile<Data>;

interface GiftData {
	Item: string;
	Count: number;
}

export = () => {
	beforeEach(resetDefaults);

	it("passes our profiles to helpers typed with the original typings, and runs them", () => {
		const store = ProfileService.GetProfileStore("Migrated", template).Mock;
		const profile: Profile<Data> = store.LoadProfileAsync("Migrated_1")!;
		const loose: Loaded = profile;
		grantCoins(loose, 5);
		let fired = false;
		const connection = onTagsUpdated(profile, () => (fired = true));
		profile.Save();
		task.wait(1);
		expect(fired).to.equal(true);
		connection.Disconnect();
		profile.Release();
		task.wait(1);
		const view: Viewed = store.ViewProfileAsync("Migrated_1")!;
		expect(coinsOf(view)).to.equal(5);
	});

	it("types global update data through the store's third type argument, and meta tags by their reader", () => {
		const store = ProfileService.GetProfileStore<Data, object, GiftData>("MigratedGifts", template).Mock;
		store.GlobalUpdateProfileAsync("Gifted_1", (updates) => updates.AddActiveUpdate({ Item: "Crown", Count: 2 }));
		const profile = store.LoadProfileAsync("Gifted_1")!;
		const [[, gift]] = profile.GlobalUpdates.GetActiveUpdates();
		// No cast: Item is a string and Count a number.
		const item: string = gift.Item;
		const count: number = gift.Count;
		expect(item).to.equal("Crown");
		expect(count).to.equal(2);
		profile.SetMetaTag("DataVersion", 3);
		const version: number = profile.GetMetaTag<number>("DataVersion") ?? 1;
		expect(version).to.equal(3);
		profile.Release();
	});
};
