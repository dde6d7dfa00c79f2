// electron-builder's beforeBuild hook. Returning false tells electron-builder that node_modules are
// handled outside it: the app (dist/app, staged by scripts/dist.mjs) bundles everything it needs and has
// no dependencies, so nothing is installed, rebuilt or copied — without this, electron-builder falls back
// to the repository's node_modules and packs the CLI's and the web host's dependencies.
module.exports = async function beforeBuild() {
  return false;
};
