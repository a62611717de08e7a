/**
 * Schema migrations and Validate (GetProfileStore's `Migrations` and `Validate` options): data saved at an older
 * version is migrated on load and saved with its new version at the next save, never migrated twice; data newer than
 * a server knows is refused without touching the key, unless the newer migrations are backwards compatible; a failing
 * migration or Validate returns no profile and leaves the stored profile as it was; saves of invalid data are skipped.
 */
import { t } from "@rbxts/t";
import type { DataValidator, MigrationChain, MigrationList, ValidateResult } from "../../src";
import Runtime, { type SimServer } from "../Runtime";
import { collectIssues, ours, receiveGifts, resetDefaults, startServers, stored } from "./Fixtures";
import { original } from "./Original";

const STORE = "SchemaData";
const TAG = "_Schema";

interface V0 {
	Coins: number;
	Inventory: string;
}
interface V1 {
	Coins: number;
	Inventory: string[];
}
interface V2 {
	Wallet: { Coins: number };
	Inventory: string[];
}
interface V3 extends V2 {
	Title: string;
}

const V0_TEMPLATE: V0 = { Coins: 0, Inventory: "" };
const V1_TEMPLATE: V1 = { Coins: 0, Inventory: [] };
const V2_TEMPLATE: V2 = { Wallet: { Coins: 0 }, Inventory: [] };
const V3_TEMPLATE: V3 = { Wallet: { Coins: 0 }, Inventory: [], Title: "Newbie" };

/** How many times each migration ran, over every server of the spec (they share this module's upvalues). */
const runs = [0, 0, 0];

// Coins move to a scale ten times finer: a second run on migrated data would show as 100 times the coins.
const toV1 = (v0: V0): V1 => {
	runs[0] += 1;
	return { Coins: v0.Coins * 10, Inventory: v0.Inventory === "" ? [] : v0.Inventory.split(",") };
};
const toV2 = (v1: V1): V2 => {
	runs[1] += 1;
	return { Wallet: { Coins: v1.Coins }, Inventory: v1.Inventory };
};
const toV3 = {
	BackwardsCompatible: true,
	Migrate: (v2: V2): V3 => {
		runs[2] += 1;
		return { Wallet: v2.Wallet, Inventory: v2.Inventory, Title: "Newbie" };
	},
};

// A @rbxts/t check plugs in as it is (this version of t answers false without a reason).
const isV2 = t.interface({ Wallet: t.interface({ Coins: t.number }), Inventory: t.array(t.string) });
// A check of one's own can say why.
const coinsAreNumbers = (data: V2): ValidateResult =>
	typeIs(data.Wallet.Coins, "number") ? true : [false, `Wallet.Coins is a ${typeOf(data.Wallet.Coins)}`];

function v1Store(server: SimServer) {
	return ours(server).ProfileService.GetProfileStore({ Name: STORE, Migrations: [toV1] }, V1_TEMPLATE);
}
function v2Store(server: SimServer, validate?: DataValidator<V2>) {
	return ours(server).ProfileService.GetProfileStore(
		{ Name: STORE, Migrations: [toV1, toV2], Validate: validate },
		V2_TEMPLATE,
	);
}
function v3Store(server: SimServer) {
	return ours(server).ProfileService.GetProfileStore({ Name: STORE, Migrations: [toV1, toV2, toV3] }, V3_TEMPLATE);
}

type Stored<D> = {
	Data: D;
	MetaData: { MetaTags: Record<string, unknown>; ActiveSession?: unknown; ForceLoadSession?: unknown };
};
function storedAs<D>(key: string) {
	return stored(key, STORE) as unknown as Stored<D>;
}
function stampOf(key: string) {
	return storedAs<object>(key).MetaData.MetaTags[TAG] as { Version: number; LastCompatible: number } | undefined;
}

/** Saves version-0 data in `key` with the original ProfileService, released. */
function saveWithOriginal(server: SimServer, key: string, coins: number, inventory: string) {
	const profile = original(server).GetProfileStore(STORE, V0_TEMPLATE).LoadProfileAsync(key)!;
	profile.Data.Coins = coins;
	profile.Data.Inventory = inventory;
	let hop = false;
	profile.ListenToHopReady(() => (hop = true));
	profile.Release();
	Runtime.waitUntil(() => hop, 60, "original release");
}

function releaseAndWait(profile: { Release(): void; ListenToHopReady(listener: () => void): unknown }) {
	let hop = false;
	profile.ListenToHopReady(() => (hop = true));
	profile.Release();
	Runtime.waitUntil(() => hop, 60, "release");
}

// Compile-time checks: these constants only compile while the last migration must return the template's type.
type Accepts<List, Target> = List extends Target ? true : false;
const chainAccepted: Accepts<[typeof toV1, typeof toV2], MigrationList<V2>> = true;
const wrongLastRefused: Accepts<[typeof toV1], MigrationList<V2>> = false;
const wrongOutputRefused: Accepts<[typeof toV1, (v1: V1) => { Wallet: { Coins: string } }], MigrationList<V2>> = false;
// ...and while each migration's output fits the next one's parameter (marked migrations included).
type Chains<List extends readonly unknown[]> = unknown extends MigrationChain<List> ? true : false;
const chainFits: Chains<[typeof toV1, typeof toV2, typeof toV3]> = true;
const swappedBreaks: Chains<[typeof toV2, typeof toV1]> = false;
const markedBreaks: Chains<[typeof toV1, typeof toV3]> = false;

export = () => {
	beforeEach(() => {
		resetDefaults();
		runs[0] = 0;
		runs[1] = 0;
		runs[2] = 0;
	});

	it("loads data the original saved at version 0, migrates it in the load, and saves it with version 2", () => {
		const [o, us] = startServers("Original", "Ours");
		o.call(() => saveWithOriginal(o, "Old_1", 5, "Sword,Shield"));
		const profile = us.call(() => v2Store(us).LoadProfileAsync("Old_1"))!;
		expect(profile.Data.Wallet.Coins).to.equal(50);
		expect(profile.Data.Inventory.join("+")).to.equal("Sword+Shield");
		// Migrated in memory only: the key holds the version-0 data and no version until the next save.
		expect(storedAs<V0>("Old_1").Data.Inventory).to.equal("Sword,Shield");
		expect(stampOf("Old_1")).to.equal(undefined);
		expect(profile.MetaData.MetaTagsLatest.get(TAG)).to.equal(undefined);
		profile.Save();
		Runtime.waitUntil(() => stampOf("Old_1") !== undefined, 30, "save");
		expect(storedAs<V2>("Old_1").Data.Wallet.Coins).to.equal(50);
		expect(stampOf("Old_1")!.Version).to.equal(2);
		expect(stampOf("Old_1")!.LastCompatible).to.equal(2);
		expect(runs[0]).to.equal(1);
		expect(runs[1]).to.equal(1);
	});

	it("stamps new profiles with the current version, on live and .Mock stores", () => {
		const [a] = startServers("A");
		const profile = a.call(() => v2Store(a).LoadProfileAsync("New_1"))!;
		expect(stampOf("New_1")!.Version).to.equal(2);
		expect(profile.Data.Wallet.Coins).to.equal(0);
		const mock = a.call(() => v2Store(a).Mock.LoadProfileAsync("New_1"))!;
		expect((mock.GetMetaTag<{ Version: number }>(TAG) ?? { Version: -1 }).Version).to.equal(2);
		expect(runs[0] + runs[1]).to.equal(0);
	});

	it("after a crash between the migration and its save, the next load migrates the stored data again, once", () => {
		Runtime.setTimeLimit(3 * 3600);
		const [o, a, b] = startServers("Original", "A", "B");
		o.call(() => saveWithOriginal(o, "Crash_1", 7, "Bow"));
		const first = a.call(() => v2Store(a).LoadProfileAsync("Crash_1"))!;
		expect(first.Data.Wallet.Coins).to.equal(70);
		a.crash();
		expect(storedAs<V0>("Crash_1").Data.Coins).to.equal(7);
		const second = b.call(() => v2Store(b).LoadProfileAsync("Crash_1"))!;
		// Migrated from the stored version-0 data: 70, not 700.
		expect(second.Data.Wallet.Coins).to.equal(70);
		releaseAndWait(second);
		expect(stampOf("Crash_1")!.Version).to.equal(2);
		expect(storedAs<V2>("Crash_1").Data.Wallet.Coins).to.equal(70);
		const before = runs[0] + runs[1];
		const third = b.call(() => v2Store(b).LoadProfileAsync("Crash_1"))!;
		expect(third.Data.Wallet.Coins).to.equal(70);
		expect(runs[0] + runs[1]).to.equal(before);
	});

	it("a migration that throws returns no profile, names the migration, and leaves the key as it was", () => {
		const [o, a] = startServers("Original", "A");
		o.call(() => saveWithOriginal(o, "Throw_1", 3, "Axe"));
		const issues = collectIssues(a);
		const before = Runtime.store().raw(STORE, undefined, "Throw_1");
		const broken = ours(a).ProfileService.GetProfileStore(
			{
				Name: STORE,
				Migrations: [
					toV1,
					(v1: V1): V2 => {
						if (v1.Coins > 0) error("no wallet for you");
						return toV2(v1);
					},
				],
			},
			V2_TEMPLATE,
		);
		expect(a.call(() => broken.LoadProfileAsync("Throw_1"))).to.equal(undefined);
		expect(issues.size()).to.equal(1);
		expect(issues[0].find("Migrations[1] threw", 1, true)[0] !== undefined).to.equal(true);
		expect(issues[0].find("no wallet for you", 1, true)[0] !== undefined).to.equal(true);
		// The lock this load took is given back: Data and MetaTags as they were, no session left behind.
		const after = storedAs<V0>("Throw_1");
		expect(after.Data.Coins).to.equal(3);
		expect(after.Data.Inventory).to.equal("Axe");
		expect(after.MetaData.ActiveSession).to.equal(undefined);
		expect(after.MetaData.ForceLoadSession).to.equal(undefined);
		expect(stampOf("Throw_1")).to.equal(undefined);
		expect(before !== undefined).to.equal(true);
		// A fixed release loads it at once.
		const fixed = a.call(() => v2Store(a).LoadProfileAsync("Throw_1", "Steal"))!;
		expect(fixed.Data.Wallet.Coins).to.equal(30);
	});

	it("newer data is refused by an older server, naming both versions, without writing to the key", () => {
		const [a, b] = startServers("New", "Old");
		const issues = collectIssues(b);
		const profile = a.call(() => v2Store(a).LoadProfileAsync("Newer_1"))!;
		profile.Data.Wallet.Coins = 9;
		profile.Save();
		Runtime.waitUntil(() => storedAs<V2>("Newer_1").Data.Wallet.Coins === 9, 30, "save");
		// Held by the new server: the old server neither locks nor asks for a ForceLoad.
		const writes = () => Runtime.store().stats().byKey["UpdateAsync Newer_1"] ?? 0;
		const sent = writes();
		const held = Runtime.store().raw(STORE, undefined, "Newer_1");
		expect(b.call(() => v1Store(b).LoadProfileAsync("Newer_1"))).to.equal(undefined);
		expect(Runtime.store().raw(STORE, undefined, "Newer_1")).to.equal(held);
		expect(storedAs<V2>("Newer_1").MetaData.ForceLoadSession).to.equal(undefined);
		expect(issues[0].find("schema version 2", 1, true)[0] !== undefined).to.equal(true);
		expect(issues[0].find("this server's version 1", 1, true)[0] !== undefined).to.equal(true);
		Runtime.wait(40);
		expect(profile.IsActive()).to.equal(true);
		// Released: still refused, and still not written.
		releaseAndWait(profile);
		const released = Runtime.store().raw(STORE, undefined, "Newer_1");
		const afterRelease = writes();
		expect(b.call(() => v1Store(b).LoadProfileAsync("Newer_1"))).to.equal(undefined);
		expect(Runtime.store().raw(STORE, undefined, "Newer_1")).to.equal(released);
		expect(writes() - afterRelease).to.equal(1); // the cancelled UpdateAsync that read the version
		expect(sent > 0).to.equal(true);
		expect(runs[0]).to.equal(0);
	});

	it("an older server whose ForceLoad is granted with newer data gives the lock back and leaves the data", () => {
		const [o, a, b] = startServers("Original", "New", "Old");
		o.call(() => saveWithOriginal(o, "Granted_1", 4, "Orb"));
		const issues = collectIssues(b);
		// The new server holds it, migrated in memory: the key still says version 0, so the old server asks for it.
		const profile = a.call(() => v2Store(a).LoadProfileAsync("Granted_1"))!;
		expect(b.call(() => v1Store(b).LoadProfileAsync("Granted_1"))).to.equal(undefined);
		// The holder released with its version-2 save; the old server took nothing from it and left no lock.
		expect(profile.IsActive()).to.equal(false);
		Runtime.waitUntil(() => storedAs<V2>("Granted_1").MetaData.ActiveSession === undefined, 60, "lock given back");
		expect(stampOf("Granted_1")!.Version).to.equal(2);
		expect(storedAs<V2>("Granted_1").Data.Wallet.Coins).to.equal(40);
		expect(storedAs<V2>("Granted_1").MetaData.ForceLoadSession).to.equal(undefined);
		expect(issues[issues.size() - 1].find("schema version 2", 1, true)[0] !== undefined).to.equal(true);
		// And the new release loads it again without migrating.
		const before = runs[0] + runs[1];
		const again = a.call(() => v2Store(a).LoadProfileAsync("Granted_1"))!;
		expect(again.Data.Wallet.Coins).to.equal(40);
		expect(runs[0] + runs[1]).to.equal(before);
	});

	it("an older server whose ForceLoad request meets newer data withdraws the request (MessagingService down)", () => {
		Runtime.configureMessaging({ delay: { min: 0.02, max: 0.2 }, loss: 1 });
		const [o, a, b] = startServers("Original", "New", "Old");
		o.call(() => saveWithOriginal(o, "Withdrawn_1", 6, "Gem"));
		const profile = a.call(() => v2Store(a).LoadProfileAsync("Withdrawn_1"))!;
		// Unasked, the holder releases at its next auto-save, writing version 2 and leaving the lock free; the old
		// server's next round finds version 2 and takes back its ForceLoad request in that same write.
		expect(b.call(() => v1Store(b).LoadProfileAsync("Withdrawn_1"))).to.equal(undefined);
		expect(profile.IsActive()).to.equal(false);
		const after = storedAs<V2>("Withdrawn_1");
		expect(after.MetaData.ActiveSession).to.equal(undefined);
		expect(after.MetaData.ForceLoadSession).to.equal(undefined);
		expect(after.Data.Wallet.Coins).to.equal(60);
		expect(stampOf("Withdrawn_1")!.Version).to.equal(2);
	});

	it("data from a backwards-compatible migration loads on the older server, which keeps its version", () => {
		const [a, b] = startServers("New", "Old");
		const profile = a.call(() => v3Store(a).LoadProfileAsync("Compat_1"))!;
		profile.Data.Title = "Champion";
		releaseAndWait(profile);
		expect(stampOf("Compat_1")!.Version).to.equal(3);
		expect(stampOf("Compat_1")!.LastCompatible).to.equal(2);
		const old = b.call(() => v2Store(b).LoadProfileAsync("Compat_1"))!;
		expect(old).to.be.ok();
		old.Data.Wallet.Coins = 11;
		releaseAndWait(old);
		expect(stampOf("Compat_1")!.Version).to.equal(3);
		const again = a.call(() => v3Store(a).LoadProfileAsync("Compat_1"))!;
		expect(again.Data.Wallet.Coins).to.equal(11);
		expect(again.Data.Title).to.equal("Champion");
		expect(runs[0] + runs[1] + runs[2]).to.equal(0);
		// A server two versions behind still refuses it: Migrations[1] is not backwards compatible.
		releaseAndWait(again);
		expect(b.call(() => v1Store(b).LoadProfileAsync("Compat_1"))).to.equal(undefined);
	});

	it("data failing Validate on load returns no profile, with the reason, and the key is left as it was", () => {
		const [a] = startServers("A");
		const issues = collectIssues(a);
		Runtime.store().set(STORE, undefined, "Invalid_1", {
			Data: { Wallet: { Coins: "lots" }, Inventory: [] },
			MetaData: {
				ProfileCreateTime: 0,
				SessionLoadCount: 1,
				MetaTags: { [TAG]: { Version: 2, LastCompatible: 2 } },
			},
			GlobalUpdates: [0, []],
		});
		expect(a.call(() => v2Store(a, coinsAreNumbers).LoadProfileAsync("Invalid_1"))).to.equal(undefined);
		expect(issues[0]).to.equal(
			"Profile not loaded: Validate failed: Wallet.Coins is a string; the stored profile is unchanged",
		);
		const after = storedAs<{ Wallet: { Coins: string } }>("Invalid_1");
		expect(after.Data.Wallet.Coins).to.equal("lots");
		expect(after.MetaData.ActiveSession).to.equal(undefined);
	});

	it("a save of data failing Validate is skipped with the reason; the last good save stays; the profile stays active", () => {
		const [a] = startServers("A");
		const issues = collectIssues(a);
		const profile = a.call(() => v2Store(a, isV2).LoadProfileAsync("Invalid_2"))!;
		profile.Data.Wallet.Coins = 4;
		profile.Save();
		Runtime.waitUntil(() => storedAs<V2>("Invalid_2").Data.Wallet.Coins === 4, 30, "good save");
		(profile.Data.Wallet as { Coins: unknown }).Coins = "four";
		profile.Save();
		Runtime.wait(10);
		expect(issues[issues.size() - 1]).to.equal(
			"Save skipped: Validate failed: Validate returned false; the last good save is kept",
		);
		expect(storedAs<V2>("Invalid_2").Data.Wallet.Coins).to.equal(4);
		expect(profile.IsActive()).to.equal(true);
		profile.Data.Wallet.Coins = 5;
		profile.Save();
		Runtime.waitUntil(() => storedAs<V2>("Invalid_2").Data.Wallet.Coins === 5, 30, "fixed save");
		// A release of invalid data still removes the lock, keeping the last good save.
		(profile.Data.Wallet as { Coins: unknown }).Coins = "six";
		releaseAndWait(profile);
		expect(storedAs<V2>("Invalid_2").Data.Wallet.Coins).to.equal(5);
		expect(storedAs<V2>("Invalid_2").MetaData.ActiveSession).to.equal(undefined);
	});

	it("a mixed fleet: the original keeps the version through its own saves, and ours does not migrate again", () => {
		const [us, o] = startServers("Ours", "Original");
		const profile = us.call(() => v2Store(us).LoadProfileAsync("Mixed_1"))!;
		profile.Data.Wallet.Coins = 20;
		releaseAndWait(profile);
		const oProfile = o.call(() => original(o).GetProfileStore(STORE, V2_TEMPLATE).LoadProfileAsync("Mixed_1"))!;
		oProfile.Data.Wallet.Coins = 21;
		oProfile.SetMetaTag("Seen", true);
		oProfile.Save();
		Runtime.wait(10);
		releaseAndWait(oProfile);
		expect(storedAs<V2>("Mixed_1").Data.Wallet.Coins).to.equal(21);
		expect(stampOf("Mixed_1")!.Version).to.equal(2);
		const again = us.call(() => v2Store(us).LoadProfileAsync("Mixed_1"))!;
		expect(again.Data.Wallet.Coins).to.equal(21);
		expect(again.GetMetaTag("Seen")).to.equal(true);
		expect(runs[0] + runs[1]).to.equal(0);
	});

	it("views and version queries migrate in memory and never write", () => {
		const [o, a] = startServers("Original", "A");
		o.call(() => saveWithOriginal(o, "View_1", 2, "Cape"));
		const writes = () => Runtime.store().stats().byKey["UpdateAsync View_1"] ?? 0;
		const sent = writes();
		const raw = Runtime.store().raw(STORE, undefined, "View_1");
		const view = a.call(() => v2Store(a).ViewProfileAsync("View_1"))!;
		expect(view.Data.Wallet.Coins).to.equal(20);
		const query = v2Store(a).ProfileVersionQuery("View_1", Enum.SortDirection.Descending);
		const version = a.call(() => query.NextAsync())!;
		expect(version.Data.Inventory[0]).to.equal("Cape");
		expect(writes()).to.equal(sent);
		expect(Runtime.store().raw(STORE, undefined, "View_1")).to.equal(raw);
		// An older server cannot view newer data either.
		a.call(() => view.OverwriteAsync());
		expect(stampOf("View_1")!.Version).to.equal(2);
		expect(a.call(() => v1Store(a).ViewProfileAsync("View_1"))).to.equal(undefined);
	});

	it("global updates sent to version-0 data reach the migrated profile", () => {
		const [o, a] = startServers("Original", "A");
		o.call(() => saveWithOriginal(o, "Gift_1", 1, ""));
		const profile = a.call(() => v2Store(a).LoadProfileAsync("Gift_1"))!;
		const received = receiveGifts(profile.GlobalUpdates, (gift) =>
			profile.Data.Inventory.push(gift.Item as string),
		);
		// Sent by a server that has not loaded the profile, while the key still holds version-0 data.
		const [b] = startServers("B");
		b.call(() =>
			v2Store(b).GlobalUpdateProfileAsync("Gift_1", (updates) => updates.AddActiveUpdate({ Item: "Hat" })),
		);
		Runtime.waitUntil(() => received.size() === 1, 120, "gift");
		releaseAndWait(profile);
		expect(storedAs<V2>("Gift_1").Data.Inventory[0]).to.equal("Hat");
		expect(storedAs<V2>("Gift_1").Data.Wallet.Coins).to.equal(10);
		expect(stampOf("Gift_1")!.Version).to.equal(2);
	});

	it("GetProfileStore checks Migrations and Validate", () => {
		const [a] = startServers("A");
		const service = ours(a).ProfileService;
		const bad = (options: object) => () => service.GetProfileStore(options as { Name: string }, V2_TEMPLATE);
		expect(bad({ Name: STORE, Migrations: [1] })).to.throw('argument "Migrations"');
		expect(bad({ Name: STORE, Migrations: [{ Migrate: toV1, Backwards: true }] })).to.throw(
			'argument "Migrations"',
		);
		expect(bad({ Name: STORE, Validate: true })).to.throw('argument "Validate"');
	});

	it("types: the last migration must return the template's type, and each must fit the next (checked when this file compiles)", () => {
		expect(chainAccepted).to.equal(true);
		expect(wrongLastRefused).to.equal(false);
		expect(wrongOutputRefused).to.equal(false);
		expect(chainFits).to.equal(true);
		expect(swappedBreaks).to.equal(false);
		expect(markedBreaks).to.equal(false);
	});
};
