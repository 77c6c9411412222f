export { createAuthor, loadAuthor, verifyAuthorRecord, authorFile, type Author, type AuthorRecord, type CreateAuthorOptions } from './author.ts';
export { canonicalJson } from './canonical-json.ts';
export { planBundle, storeBundle, TARBALL_DIR, type BundlePlan, type BundleEntry, type StoredBundle } from './bundle.ts';
export { npmTarballs, type TarballSource, type NpmTarballOptions } from './npm-tarballs.ts';
export { signManifest, encodeManifest, verifyManifest, MAX_MANIFEST_BYTES, type Manifest, type ManifestCell, type VerifiedManifest } from './manifest.ts';
export { publishTree, type PublishTreeOptions, type PublishResult, type PublishedCell, type PublishProgress } from './publish-tree.ts';
export { verifyEd25519 } from './ed25519.ts';
