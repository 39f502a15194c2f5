/** `npm run test:k8s`: the opt-in suite against a real cluster (KUBECONFIG). Not part of npm test. */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/k8s-cluster/**/*.k8s-spec.ts'],
  globalSetup: undefined,
  testTimeout: 300_000,
};
