// The view's colours: one per stage, given in the order stages first appear in a run (so the
// first stage of every run has the same colour), shared by the lanes' poll bars and the
// pipeline row's boxes; and the fixed colours of everything else.

const PALETTE = [
  '#4e9af1', '#f1a94e', '#5cc97b', '#e0605e', '#a57de8', '#4fc9c4', '#e879c0', '#c9c04f',
  '#8aa1b4', '#d4885a', '#7fd18b', '#6f86e0',
];

export const COLORS = {
  background: '#1e1e1e',
  laneA: '#252526',
  laneB: '#2a2a2c',
  text: '#d4d4d4',
  dim: '#8c8c8c',
  grid: '#3a3a3c',
  park: '#3b3b40',
  noStage: '#9e9e9e',
  steal: '#ffd866',
  wake: '#ff6188',
  depth: '#78dce8',
  tick: '#6a6a70',
  box: '#2d2d30',
  boxBorder: '#4a4a4f',
  window: '#444448',
  hover: '#ffffff',
};

export class StageColors {
  constructor() {
    this.byName = new Map();
  }

  reset() {
    this.byName.clear();
  }

  /** The colour of a stage, by its name (undefined: a task of no stage). */
  of(name) {
    if (name === undefined) return COLORS.noStage;
    let c = this.byName.get(name);
    if (!c) {
      c = PALETTE[this.byName.size % PALETTE.length];
      this.byName.set(name, c);
    }
    return c;
  }
}
