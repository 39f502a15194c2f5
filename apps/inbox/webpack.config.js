/**
 * The inbox bundles its dependencies (the other apps keep node_modules external): a tenant
 * process boots ~20 at a time on one node, and resolving and loading ~400 files from
 * node_modules was most of its start-up CPU. Optional peers that Nest and pg load lazily (and
 * the inbox never uses) are left out.
 */
const LAZY_OPTIONAL = [
  '@nestjs/microservices',
  '@nestjs/microservices/microservices-module',
  '@nestjs/websockets',
  '@nestjs/websockets/socket-module',
  'class-validator',
  'class-transformer',
  'class-transformer/storage',
  '@fastify/view',
  '@nestjs/platform-express',
  'pg-native',
];

module.exports = (options, webpack) => ({
  ...options,
  externals: [],
  plugins: [
    ...options.plugins,
    new webpack.IgnorePlugin({ checkResource: (resource) => LAZY_OPTIONAL.includes(resource) }),
  ],
});
