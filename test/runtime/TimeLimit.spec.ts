import Runtime from "../Runtime";

export = () => {
	it("Runtime.setTimeLimit lifts the spec file's virtual-time limit", () => {
		Runtime.setTimeLimit(3 * 3600);
		Runtime.wait(2 * 3600 + 60);
		expect(Runtime.now() > 7200).to.equal(true);
	});
};
