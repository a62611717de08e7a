import Runtime from "../Runtime";
import { expectError } from "../Expect";

export = () => {
	beforeEach(() =>
		Runtime.configureBadges([
			{ id: 10, name: "First Win", description: "Win a round" },
			{ id: 11, name: "Retired", enabled: false },
			{ id: 12, name: "Veteran", owners: [2] },
		]),
	);

	describe("BadgeService", () => {
		it("awards a badge once to a player on the server, and the ownership holds on every server", () => {
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B" });
			a.addPlayer(1, "Ann");
			expect(a.call(() => game.GetService("BadgeService").AwardBadge(1, 10))).to.equal(true);
			expect(a.call(() => game.GetService("BadgeService").AwardBadge(1, 10))).to.equal(false);
			expect(b.call(() => game.GetService("BadgeService").UserHasBadgeAsync(1, 10))).to.equal(true);
			expect(b.call(() => game.GetService("BadgeService").UserHasBadgeAsync(2, 12))).to.equal(true);
			expect(Runtime.badgeOwners(10).join(",")).to.equal("1");
		});

		it("never awards a disabled badge, and needs the player on the server", () => {
			const a = Runtime.startServer({ name: "A" });
			a.addPlayer(1, "Ann");
			expect(a.call(() => game.GetService("BadgeService").AwardBadge(1, 11))).to.equal(false);
			expectError(() => a.call(() => game.GetService("BadgeService").AwardBadge(3, 10)), "not in this server");
			expectError(() => a.call(() => game.GetService("BadgeService").AwardBadge(1, 999)), "does not exist");
		});

		it("describes a badge with GetBadgeInfoAsync", () => {
			const a = Runtime.startServer({ name: "A" });
			const info = a.call(() => game.GetService("BadgeService").GetBadgeInfoAsync(11));
			expect(info.Name).to.equal("Retired");
			expect(info.IsEnabled).to.equal(false);
			const first = a.call(() => game.GetService("BadgeService").GetBadgeInfoAsync(10));
			expect(first.Description).to.equal("Win a round");
			expect(first.IsEnabled).to.equal(true);
		});

		it("limits awards to 50 + 35 per player each minute", () => {
			Runtime.configureBadges([{ id: 20, name: "Spam" }]);
			const a = Runtime.startServer({ name: "A" });
			a.addPlayer(1, "Ann");
			a.call(() => {
				const BadgeService = game.GetService("BadgeService");
				for (let i = 0; i < 85; i++) BadgeService.AwardBadge(1, 20);
				expectError(() => BadgeService.AwardBadge(1, 20), "rate limit");
				task.wait(60);
				expect(BadgeService.AwardBadge(1, 20)).to.equal(false);
			});
		});
	});
};
