import { storeContract } from "./store_contract.ts";
import { openTempStore } from "./temp_store.ts";

storeContract("SqliteHistoryStore", (limit) => openTempStore({ limit }));
