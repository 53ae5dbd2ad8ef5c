"""Recognition beyond money: records of involvement people can show, verification codes, and outcomes
("what changed because of you"). See docs/recognition.md."""
