export { scaffoldProject, scaffoldCell, invalidName, type Scaffolded } from './scaffold.ts';
export { currentVersions } from './versions.ts';
export type { Versions } from './project-templates.ts';
