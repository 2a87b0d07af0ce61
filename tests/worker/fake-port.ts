/** The fake exchange for workerd tests listens here (global-setup) and the Worker's bindings point here. */
export const FAKE_PORT = 18_911;
