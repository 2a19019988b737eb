#!/usr/bin/env python3
"""tests/fuzz/seeds/make_seeds.py — writes the hand-made seed inputs of the fuzz corpus.

Every seed is synthetic (no MovieLens line is copied): small valid folders in each format plus
one malformed variant per rule the loaders check. Files of one folder are joined with the
container markers of fuzz_util.h ("--- NAME" lines). Run from anywhere; writes into
tests/fuzz/corpus/<target>/seed-*. The safetensors model seeds (seed-model-*) come from
tests/fuzz/seeds/make_model_seeds.sh instead (it needs a built tapegrad-recsys).
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def container(main, files):
    """files: list of (name, bytes); the first one is the main file (no marker)."""
    out = b""
    for i, (name, body) in enumerate(files):
        if isinstance(body, str):
            body = body.encode("utf-8")
        if i == 0 and name == main:
            out += body
        else:
            if out and not out.endswith(b"\n"):
                out += b"\n"
            out += b"--- " + name.encode() + b"\n" + body
    return out


# ---- grouplens_100k -------------------------------------------------------------------------
GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
          "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
          "Romance", "Sci-Fi", "Thriller", "War", "Western"]


def flags(*on):
    return "|".join("1" if g in on else "0" for g in range(19))


udata = "1\t10\t4\t881250949\n1\t20\t3\t881250950\n2\t10\t5\t891717742\n3\t30\t1\t878887116\n2\t30\t2\t880606923\n"
uitem = ("10|Sample Picture (1994)|01-Jan-1994||http://example.org/a|" + flags(1, 2) + "\n" +
         "20|Caf\xe9 Stories (1996)|12-Mar-1996||http://example.org/b|" + flags(5) + "\n" +
         "30|Un Ét\xe9 (1997)|||http://example.org/c|" + flags(0) + "\n")
uitem_latin1 = uitem.encode("latin-1")
uuser = "1|24|M|technician|00001\n2|53|F|other|00002\n3|30|M|writer|00003\n"
ugenre = "".join(f"{g}|{i}\n" for i, g in enumerate(GENRES)) + "\n"
uocc = "technician\nother\nwriter\n"
u1base = "1\t10\t4\t881250949\n2\t10\t5\t891717742\n3\t30\t1\t878887116\n"
u1test = "1\t20\t3\t881250950\n2\t30\t2\t880606923\n"

full100k = [("u.data", udata), ("u.item", uitem_latin1), ("u.user", uuser), ("u.genre", ugenre),
            ("u.occupation", uocc), ("u1.base", u1base), ("u1.test", u1test)]
put("grouplens_100k", "valid", container("u.data", full100k))
put("grouplens_100k", "ratings-only", udata)
put("grouplens_100k", "crlf", container("u.data", [(n, b if isinstance(b, bytes) else b.replace("\n", "\r\n")) for n, b in full100k[:3]]))
put("grouplens_100k", "utf8-items", container("u.data", [("u.data", udata), ("u.item", uitem)]))
put("grouplens_100k", "bad-fields", "1\t10\t4\n")
put("grouplens_100k", "bad-rating", "1\t10\tfour\t881250949\n")
put("grouplens_100k", "range-rating", "1\t10\t11\t881250949\n1\t10\t-1\t1\n1\t10\tnan\t1\n")
put("grouplens_100k", "negative-id", "-1\t10\t4\t881250949\n")
put("grouplens_100k", "huge-id", "99999999999999999999\t10\t4\t1\n9223372036854775807\t10\t4\t1\n")
put("grouplens_100k", "sparse-ids", "67108863\t10\t4\t1\n1\t4611686018427387904\t4\t1\n")
put("grouplens_100k", "float-ts", "1\t10\t4\t8.8e8\n1\t10\t4.5\t1e300\n")
put("grouplens_100k", "bom", b"\xef\xbb\xbf" + udata.encode())
put("grouplens_100k", "utf16", b"\xff\xfe1\x00\t\x001\x00")
put("grouplens_100k", "empty", "")
put("grouplens_100k", "split-unknown-id", container("u.data", [("u.data", udata), ("u1.base", "9\t10\t4\t1\n"), ("u1.test", u1test)]))
put("grouplens_100k", "item-bad-flags", container("u.data", [("u.data", udata), ("u.item", "10|X (1994)|01-Jan-1994||u|" + "|".join(["2"] * 19) + "\n")]))
put("grouplens_100k", "item-few-fields", container("u.data", [("u.data", udata), ("u.item", "10|X|\n")]))
put("grouplens_100k", "genre-custom", container("u.data", [("u.data", udata), ("u.genre", "a|0\nb|5\n"), ("u.item", "10|X|d||u|0|1|0|0|0|1\n")]))
put("grouplens_100k", "genre-bad", container("u.data", [("u.data", udata), ("u.genre", "a|x\nb\n|1000\n")]))
put("grouplens_100k", "user-bad", container("u.data", [("u.data", udata), ("u.user", "1|200|M|x|1\n2|x|F|y|2\n3|1|2\n")]))

# ---- grouplens_dat --------------------------------------------------------------------------
rdat = "1::10::5::978300760\n1::20::3::978302109\n2::10::4::978301968\n3::30::2::978300275\n"
mdat = "10::Sample Picture (1995)::Animation|Children's|Comedy\n20::Caf\xe9, The (1995)::Drama\n30::Nothing (2000)::(no genres listed)\n"
udat = "1::F::1::10::00001\n2::M::56::16::00002\n3::M::25::15::00003\n"
put("grouplens_dat", "valid-1m", container("ratings.dat", [("ratings.dat", rdat), ("movies.dat", mdat.encode("latin-1")), ("users.dat", udat)]))
put("grouplens_dat", "valid-10m", container("ratings.dat", [("ratings.dat", rdat.replace("::5::", "::4.5::")), ("movies.dat", mdat)]))
put("grouplens_dat", "ratings-only", rdat)
put("grouplens_dat", "crlf", rdat.replace("\n", "\r\n"))
put("grouplens_dat", "bad-sep", "1:10:5:978300760\n1::10::5\n")
put("grouplens_dat", "bad-movies", container("ratings.dat", [("ratings.dat", rdat), ("movies.dat", "x::T::G\n10::T\n10::T::G::H\n")]))
put("grouplens_dat", "bad-users", container("ratings.dat", [("ratings.dat", rdat), ("users.dat", "1::F::1::21::0\n2::M::999::1::0\n3::M\n")]))
put("grouplens_dat", "spaces", " 1 :: 10 :: 5 :: 978300760 \n+2::+10::4e0::1\n")

# ---- csv ------------------------------------------------------------------------------------
rcsv = "userId,movieId,rating,timestamp\n1,10,4.0,964982703\n1,20,3.5,964981247\n2,10,0.5,964982224\n3,30,5.0,964983815\n"
mcsv = ('movieId,title,genres\n10,Sample Picture (1995),Adventure|Animation|Children\n'
        '20,"Picture, The (1995)",Comedy|Romance\n30,"Quote ""Here"" (2001)",(no genres listed)\n')
put("csv", "valid", container("ratings.csv", [("ratings.csv", rcsv), ("movies.csv", mcsv)]))
put("csv", "ratings-only", rcsv)
put("csv", "no-header", rcsv.split("\n", 1)[1])
put("csv", "crlf", container("ratings.csv", [("ratings.csv", rcsv.replace("\n", "\r\n")), ("movies.csv", mcsv.replace("\n", "\r\n"))]))
put("csv", "bad-header", "user,movie,rating,ts\n1,10,4.0,1\n")
put("csv", "bad-quotes", container("ratings.csv", [("ratings.csv", rcsv), ("movies.csv", 'movieId,title,genres\n10,"Open,Drama\n20,"A"B,Drama\n30,A"B,Drama\n40,"",\n')]))
put("csv", "latin1-movies", container("ratings.csv", [("ratings.csv", rcsv), ("movies.csv", "movieId,title,genres\n10,Caf\xe9 (1995),Drama\n".encode("latin-1"))]))
put("csv", "bad-values", "userId,movieId,rating,timestamp\n1,10,x,1\n1,10,4.0\n1,,4,1\n1,10,1e999,1\n-5,10,4,1\n")

# ---- recbole --------------------------------------------------------------------------------
rinter = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t10\t3\t881250949\n2\t10\t4\t891717742\n3\t30\t1\t878887116\n"
ritem = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n10\tSample Picture\t1995\tAnimation Comedy\n30\tNothing\t2000\tDrama\n"
ruser = "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n1\t24\tM\ttechnician\t00001\n2\t53\tF\tother\t00002\n"
put("recbole", "valid", container("ml.inter", [("ml.inter", rinter), ("ml.item", ritem), ("ml.user", ruser)]))
put("recbole", "inter-only", rinter)
put("recbole", "no-rating", "item_id:token\tuser_id:token\n10\t1\n20\t2\n")
put("recbole", "bad-header", "user_id\titem_id:token\n1\t2\n")
put("recbole", "missing-cols", "user:token\titem_id:token\n1\t2\n")
put("recbole", "bad-rows", "user_id:token\titem_id:token\trating:float\n1\t2\n1\tx\t3\n1\t2\tnan\n1\t2\t3\t4\n")
put("recbole", "bad-side", container("ml.inter", [("ml.inter", rinter), ("ml.item", "title:token_seq\nx\n"), ("ml.user", "user_id:token\tage:token\nx\t1\n1\t500\n")]))
put("recbole", "crlf", rinter.replace("\n", "\r\n"))

# ---- safetensors ----------------------------------------------------------------------------
def safetensors(tensors, metadata=None, pad=True):
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blob = b""
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blob


f32 = lambda *v: struct.pack("<%df" % len(v), *v)
put("safetensors", "valid", safetensors({"w": ("F32", [2, 2], f32(1, 2, 3, 4)), "b": ("I64", [2], struct.pack("<2q", 1, 2))}, {"k": "v"}))
put("safetensors", "dtypes", safetensors({
    "a": ("F16", [2], struct.pack("<2H", 0x3C00, 0x7C00)), "b": ("BF16", [1], struct.pack("<H", 0x3F80)),
    "c": ("I8", [2], b"\x01\xff"), "d": ("U16", [1], b"\x01\x02"), "e": ("U64", [1], struct.pack("<Q", 2**63)),
    "f": ("BOOL", [3], b"\x00\x01\x02"), "g": ("F64", [], struct.pack("<d", 1.5)), "h": ("F8_E4M3", [1], b"\x00")}))
put("safetensors", "checkpoint", safetensors({"model.w": ("F32", [1], f32(1)), "optimizer.step": ("I64", [], struct.pack("<q", 3))}, {"tapegrad.parts": "model,optimizer"}))
put("safetensors", "bad-offsets", safetensors({"w": ("F32", [2], f32(1, 2))})[:-4])
put("safetensors", "huge-header", struct.pack("<Q", 2**63) + b"{}")
put("safetensors", "bad-json", struct.pack("<Q", 8) + b'{"a":1,}')
put("safetensors", "dup-key", struct.pack("<Q", 16) + b'{"a":{},"a":{}} ')
put("safetensors", "recsys-metadata", safetensors({"ids.users": ("I64", [1], struct.pack("<q", 1))}, {"format": "tapegrad-recsys-model", "dim": "nan", "model": "mf"}))

# ---- cli ------------------------------------------------------------------------------------
cli = {
    "train": "train --model mf --split u1 --data /nonexistent --epochs 3 --dim 8 --lr 0.01 --json --out m.safetensors",
    "train-bad": "train --epochs x --dim -1 --lr nan --device cuda:99999999",
    "compare": "compare --models mf,als,zzz --seed 7 --save-dir d -q",
    "rank": "rank --models bpr,neumf --negatives 4 --patience 2 --threads 2",
    "recommend": "recommend --model-file m --user 1 --k 10",
    "similar": "similar --model-file m --item 99999999999999999999 --k -1",
    "evaluate": "evaluate --model-file",
    "fetch": "fetch --dataset ml-100k --dir /tmp/x",
    "synth": "synth --dir d --users 10 --items 20 --ratings 30 --format csv --seed 18446744073709551615",
    "help": "train --help",
    "none": "",
    "device": "train --device cuda:",
    "equals": "train --model=als --weight-decay=1e-3 --optimizer=sgd --batch=0x10",
}
for k, v in cli.items():
    put("cli", k, v)
print("seeds written to", os.path.normpath(CORPUS))
