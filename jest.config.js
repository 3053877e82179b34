// Tests run against a real database and the real engine; see README "Tests".
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)sx?$': ['@swc/jest', {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    }],
  },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|bpmn-moddle|bpmn-engine|bpmn-elements|moddle|moddle-xml|moddle-context-serializer|min-dash|saxen|smqp|@0dep|@electric-sql|knex-pglite|chinese-days|content-disposition|glob|minimatch|path-scurry|lru-cache|minipass|@isaacs)/)',
  ],
  testTimeout: 60000,
  maxWorkers: 1,
};
