import type { ClassKnowledge } from './class-knowledge.js';

/** Knowledge of the ten MNIST digits (class names "0".."9"). */
export const MNIST_KNOWLEDGE: readonly ClassKnowledge[] = [
  {
    className: '0',
    synonyms: ['the digit zero', 'the number nought', 'a handwritten zero'],
    parts: ['a single closed oval loop', 'an empty hole in the middle', 'no straight strokes or crossings'],
    appearance: ['is a tall oval, round or slightly slanted', 'looks like a ring drawn in one continuous stroke'],
    confusable: '6',
    contrast: [
      'is closed all the way round with no tail at the top',
      'has one large loop instead of a small lower loop with a rising stroke',
    ],
  },
  {
    className: '1',
    synonyms: ['the digit one', 'the number one', 'a handwritten one'],
    parts: [
      'a single straight stroke',
      'a small flag at the top in some handwriting',
      'a short base line in some handwriting',
    ],
    appearance: ['is a tall narrow vertical or slanted line', 'uses very little ink and is much taller than wide'],
    confusable: '7',
    contrast: ['has no horizontal bar across the top', 'is one straight stroke without a bend'],
  },
  {
    className: '2',
    synonyms: ['the digit two', 'the number two', 'a handwritten two'],
    parts: ['a curved hook at the top', 'a diagonal stroke going down to the left', 'a flat base line at the bottom'],
    appearance: [
      'starts with an arc and ends with a horizontal stroke along the bottom',
      'is open on the left with a flat foot',
    ],
    confusable: '7',
    contrast: ['has a flat horizontal base at the bottom', 'has a rounded top instead of a straight bar'],
  },
  {
    className: '3',
    synonyms: ['the digit three', 'the number three', 'a handwritten three'],
    parts: ['two stacked bumps open to the left', 'a pinch in the middle', 'no vertical stroke on the left'],
    appearance: ['looks like two arcs stacked on top of each other', 'is open on the left side from top to bottom'],
    confusable: '8',
    contrast: ['is open on the left instead of forming two closed loops', 'has two arcs that do not close'],
  },
  {
    className: '4',
    synonyms: ['the digit four', 'the number four', 'a handwritten four'],
    parts: ['a vertical stroke on the right', 'a horizontal crossbar', 'a slanted stroke on the upper left'],
    appearance: [
      'is made of straight lines, often with an open top',
      'has sharp corners where the crossbar meets the uprights',
    ],
    confusable: '9',
    contrast: [
      'has straight strokes and a crossbar instead of a round loop',
      'is often open at the top where the other has a closed head',
    ],
  },
  {
    className: '5',
    synonyms: ['the digit five', 'the number five', 'a handwritten five'],
    parts: [
      'a flat bar at the top',
      'a short vertical stroke on the upper left',
      'a round belly open to the left at the bottom',
    ],
    appearance: ['has an angular top and a curved bottom', 'looks like a flag above a half circle'],
    confusable: '6',
    contrast: ['has a flat top bar and an open bottom bowl', 'leaves its bottom curve open instead of closing a loop'],
  },
  {
    className: '6',
    synonyms: ['the digit six', 'the number six', 'a handwritten six'],
    parts: ['a closed loop at the bottom', 'a curved stroke rising from the loop to the top', 'no loop at the top'],
    appearance: ['has its weight at the bottom and a tail reaching up', 'looks like a small circle with a hook on top'],
    confusable: '0',
    contrast: ['has a small lower loop with an open stroke above it', 'is not closed at the top'],
  },
  {
    className: '7',
    synonyms: ['the digit seven', 'the number seven', 'a handwritten seven'],
    parts: [
      'a horizontal bar at the top',
      'a long diagonal stroke down to the left',
      'a short cross stroke in the middle in some handwriting',
    ],
    appearance: [
      'is two straight strokes meeting at a sharp corner at the top right',
      'has a heavy top and a thin leg',
    ],
    confusable: '1',
    contrast: ['has a clear horizontal bar at the top', 'bends sharply at the top right'],
  },
  {
    className: '8',
    synonyms: ['the digit eight', 'the number eight', 'a handwritten eight'],
    parts: ['two closed loops stacked vertically', 'a crossing point in the middle', 'a symmetric hourglass outline'],
    appearance: ['uses a lot of ink and looks like a snowman', 'is an upright figure with two holes'],
    confusable: '3',
    contrast: ['has both loops closed on the left', 'has two holes instead of open arcs'],
  },
  {
    className: '9',
    synonyms: ['the digit nine', 'the number nine', 'a handwritten nine'],
    parts: ['a closed loop at the top', 'a straight or curved tail going down', 'no loop at the bottom'],
    appearance: ['has its weight at the top and a stem below', 'looks like a small circle on a stick'],
    confusable: '4',
    contrast: ['has a round closed head instead of an open angular top', 'has a curved loop and no crossbar'],
  },
];
