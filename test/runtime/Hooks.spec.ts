/**
 * Each test runs alone in a fresh world, with the hooks of every level around it, in TestEZ's order: a describe's
 * beforeAll when the test's describe starts, then the beforeEach hooks from the outside in.
 */
import Runtime from "../Runtime";

const ran: string[] = [];

export = () => {
	beforeEach(() => {
		ran.push("top beforeEach");
		Runtime.configureBadges([{ id: 12, name: "Veteran", owners: [2] }]);
	});

	describe("a describe", () => {
		beforeAll(() => ran.push("describe beforeAll"));
		beforeEach(() => ran.push("describe beforeEach"));
		afterEach(() => ran.push("describe afterEach"));

		it("runs after every hook around it, in the test's own world", () => {
			expect(ran.join(", ")).to.equal("describe beforeAll, top beforeEach, describe beforeEach");
			expect(Runtime.badgeOwners(12).join(",")).to.equal("2");
		});

		it("starts from a fresh module state too (the spec file is loaded anew)", () => {
			expect(ran.join(", ")).to.equal("describe beforeAll, top beforeEach, describe beforeEach");
		});
	});
};
