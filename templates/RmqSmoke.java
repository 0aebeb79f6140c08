// PLACEHOLDER until the smoke client lands
