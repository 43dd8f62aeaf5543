import type { ClassKnowledge } from './class-knowledge.js';

/** Knowledge of the ten Fashion-MNIST classes (names as in `FASHION_MNIST_CLASSES`). */
export const FASHION_MNIST_KNOWLEDGE: readonly ClassKnowledge[] = [
  {
    className: 'T-shirt/top', synonyms: ['a tee', 'a short-sleeved shirt', 'a casual top'],
    parts: ['short sleeves', 'a round neckline', 'a straight hem'],
    appearance: ['is a wide T shape with short sleeves', 'is plain and flat, with no buttons or collar'],
    confusable: 'Shirt', contrast: ['has no collar and no buttons down the front', 'has short sleeves and a plain round neck'],
  },
  {
    className: 'Trouser', synonyms: ['a pair of trousers', 'a pair of pants', 'a pair of jeans'],
    parts: ['two long separate legs', 'a waistband at the top', 'a gap between the legs'],
    appearance: ['is a tall narrow vertical shape split in two', 'is much taller than it is wide'],
    confusable: 'Dress', contrast: ['splits into two legs with a gap between them', 'has two narrow tubes instead of one flared skirt'],
  },
  {
    className: 'Pullover', synonyms: ['a sweater', 'a jumper', 'a knitted top'],
    parts: ['long sleeves', 'a ribbed hem and cuffs', 'no opening down the front'],
    appearance: ['is a wide shape with long sleeves held out to the sides', 'looks thick and knitted, often with a textured surface'],
    confusable: 'Coat', contrast: ['has no buttons or zip down the front', 'is shorter and has no open front'],
  },
  {
    className: 'Dress', synonyms: ['a gown', 'a frock', 'a one-piece dress'],
    parts: ['a fitted top', 'a skirt that widens towards the bottom', 'thin straps or short sleeves'],
    appearance: ['is a tall shape that flares out at the bottom', 'is narrow at the waist and wide at the hem'],
    confusable: 'Coat', contrast: ['has no sleeves reaching the wrists', 'has a single flared skirt and no front opening'],
  },
  {
    className: 'Coat', synonyms: ['a jacket', 'an overcoat', 'a piece of outerwear'],
    parts: ['long sleeves', 'a front opening with buttons or a zip', 'a collar or lapels'],
    appearance: ['is a long heavy garment with sleeves', 'is wide and tall, with a line down the middle'],
    confusable: 'Pullover', contrast: ['opens down the front with buttons or a zip', 'is longer and has a collar'],
  },
  {
    className: 'Sandal', synonyms: ['an open shoe', 'a strappy shoe', 'a flip-flop'],
    parts: ['thin straps', 'a flat sole', 'open gaps between the straps'],
    appearance: ['is a low wide shape with holes showing the background', 'uses little ink and looks like a lattice of straps'],
    confusable: 'Sneaker', contrast: ['is open with straps instead of a closed upper', 'shows the background through gaps between the straps'],
  },
  {
    className: 'Shirt', synonyms: ['a button-up shirt', 'a blouse', 'a dress shirt'],
    parts: ['a collar', 'buttons down the front', 'long sleeves in most cases'],
    appearance: ['is a T shape with a placket down the middle', 'often has a pattern such as checks or stripes'],
    confusable: 'T-shirt/top', contrast: ['has a collar and buttons down the front', 'often has long sleeves and a pattern'],
  },
  {
    className: 'Sneaker', synonyms: ['a trainer', 'a running shoe', 'a sports shoe'],
    parts: ['a closed upper', 'a thick rubber sole', 'laces on top'],
    appearance: ['is a low wide shape pointing sideways', 'is solid with a flat bottom edge and a low heel'],
    confusable: 'Sandal', contrast: ['has a closed upper with no gaps', 'has a solid body and laces instead of straps'],
  },
  {
    className: 'Bag', synonyms: ['a handbag', 'a purse', 'a tote'],
    parts: ['a rectangular body', 'a handle or strap on top', 'a clasp or zip'],
    appearance: ['is a compact box-like shape, wider than tall', 'is filled and blocky with a loop on top'],
    confusable: 'Shirt', contrast: ['has no sleeves and a handle on top', 'is a boxy rectangle instead of a garment shape'],
  },
  {
    className: 'Ankle boot', synonyms: ['a boot', 'a short boot', 'a bootie'],
    parts: ['a high shaft covering the ankle', 'a heel', 'a sole along the bottom'],
    appearance: ['is an L-shaped piece of footwear taller than a sneaker', 'is solid and dark with a raised heel'],
    confusable: 'Sneaker', contrast: ['rises above the ankle with a tall shaft', 'is taller and often has a heel'],
  },
];
