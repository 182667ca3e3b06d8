export { openRepository } from "./src/open-repository.ts";
export { RepositoryRevocationList } from "./src/repository-revocation-list.ts";
export { StoreConfig, StoreConfigFields } from "./src/store-config.ts";
export { startStore } from "./src/store-service.ts";
