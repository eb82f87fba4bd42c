import { defineProjector, type ProjectorDefinition } from "@chronicle/core";

/** The events of a profile stream, each name with its payload type. */
export interface ProfileEvents {
  "profile-created": { name: string; email: string };
  "date-of-birth-set": { dob: string };
  "profile-moved": { city: string };
}

/** The read model: a JSON state, declared with `type` so it is a JSON type. */
export type Profile = { name?: string; email?: string; dob?: string; city?: string; moves: number };

/** How a profile stream folds into a `Profile`: projections named "profile", keyed by the stream name. */
export const profileDefinition: ProjectorDefinition<Profile, ProfileEvents> = {
  name: "profile",
  version: 1,
  initialState: () => ({ moves: 0 }),
  handlers: {
    "profile-created": (state, event) => ({ ...state, name: event.payload.name, email: event.payload.email }),
    "date-of-birth-set": (state, event) => ({ ...state, dob: event.payload.dob }),
    "profile-moved": (state, event) => ({ ...state, city: event.payload.city, moves: state.moves + 1 }),
  },
};

/** The projector of that definition. */
export const profileProjector = defineProjector<Profile, ProfileEvents>(profileDefinition);
